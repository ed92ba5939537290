/**
 * `backfill --dry-run`: what a run would do, read in one snapshot, a chunk per statement
 * (src/scan/: the same census verify reads, on the same sessions — --workers of them — and
 * under the same limits). It takes no runner lock and writes no ledger row; its only locks are
 * the ACCESS SHARE every SELECT takes, which block no application query. It works before `up`
 * too (the columns then count as 0 everywhere).
 */
import { compileRuleSql } from '../rule/index.js';
import type { Connector, Queryable } from '../db/port.js';
import type { ConnectionTarget } from '../db/target.js';
import { translatePgError } from '../db/pg-errors.js';
import { identifier, join, literal, sql, unsafeRaw } from '../db/sql.js';
import { READ_COLUMN, WRITE_COLUMN, tables } from '../names.js';
import { ruleKeys } from '../rule/index.js';
import type { Clock, Log } from '../runtime.js';
import type { CensusScope } from '../scan/census.js';
import { silentScanSink, type ScanSink } from '../scan/events.js';
import { Scan } from '../scan/scan.js';
import { withSnapshot } from '../scan/snapshot.js';
import { anomalyLabelsOf, rowKind, type CensusGroup, type RowKind } from '../scan/tally.js';
import type { ChunkStatement } from '../scan/walk.js';
import { windowOrder, windowSettings, windowSql, type ScanWindow } from '../scan/windows.js';
import { etaMs } from './policy/estimate.js';
import { chunkSizer } from './policy/chunk-sizer.js';
import type { DryRunAnomalyClass, DryRunGroup, DryRunReport } from './result.js';
import { inspectTable } from './run/preflight.js';

export const SAMPLE_IDS = 5;
/**
 * Writing a row costs about this many times what reading and judging it costs (heap update,
 * WAL, the ledger per batch): a rough factor for the estimate. docs/benchmarks.md has the
 * measured times of the backfill and of its dry run.
 */
export const WRITE_COST = 4;

export interface DryRunOptions {
  schema: string;
  stateSchema: string;
  connection: ConnectionTarget;
  /** Sessions reading at once (--workers); two when not given. */
  workers?: number | undefined;
}

export interface DryRunDeps {
  /** Opens the helper sessions that share the snapshot. */
  connect: Connector;
  clock: Clock;
  log: Log;
  sink?: ScanSink;
}

const COMMAND = 'backfill --dry-run';
const DEFAULT_SESSIONS = 2;

/** The anomaly classes a row of this kind carries, once each. */
function anomalyClasses(kind: RowKind): string[] {
  return [...new Set(anomalyLabelsOf(kind).map((label) => label.slice(0, label.indexOf(':'))))];
}

/** A row the run would write: both columns still 0 and the rule gives something. */
function wouldUpdate(kind: RowKind): boolean {
  return kind.columnsZero && !(kind.ruleReadZero && kind.ruleWriteZero);
}

export async function executeDryRun(session: Queryable, options: DryRunOptions, deps: DryRunDeps): Promise<DryRunReport> {
  const names = tables(options.schema, options.stateSchema);
  // One snapshot: every figure below describes the same rows, so the numbers add up.
  return withSnapshot(
    session,
    {
      sessions: options.workers ?? DEFAULT_SESSIONS,
      connect: deps.connect,
      usages: names.usages,
      interceptions: names.interceptions,
      log: deps.log,
    },
    async (snapshot) => {
      const scan = new Scan({ snapshot, command: COMMAND, sink: deps.sink ?? silentScanSink, clock: deps.clock, sizer: chunkSizer });
      const facts = await inspectTable(snapshot.db, options.schema, names);
      scan.checkLimits();
      const scope: CensusScope = {
        usages: names.usages,
        interceptions: facts.hasInterceptions ? names.interceptions : null,
        columnsPresent: facts.hasCacheColumns,
      };
      const shape = scan.wholeTable();
      scan.start(shape.by === 'pages' ? 'pages' : 'keys', shape.estimatedRows, null);
      const census = await scan.census(scope, {
        keep: (groups) => groups.some((g) => rowKind(g.bits).columnsZero && anomalyClasses(rowKind(g.bits)).length > 0),
      });
      const tally = tallyGroups(census.tally.groups());
      for (const cls of Object.keys(tally.anomalies).sort()) {
        const windows = census.chunks.filter((c) => c.groups.some((g) => classHeld(g, cls))).map((c) => c.window);
        const ids = await scan.sample(
          windows,
          SAMPLE_IDS,
          (window, wanted) => anomalySampleIdsStatement(scope, window, cls, wanted),
          (row) => String(row.id),
        );
        tally.anomalies[cls]!.sampleIds = ids.sort();
      }
      scan.finish();
      // The report's keys in this order: --json prints them so.
      return {
        table: names.usages,
        columnsPresent: facts.hasCacheColumns,
        ...tally,
        byProvider: facts.hasInterceptions,
        ...readFigures(tally.rows, tally.wouldUpdate, census.stats.ms),
        chunks: census.stats.chunks,
        sessions: snapshot.sessions,
      };
    },
  ).catch((error: unknown) => {
    throw translatePgError(error, { connection: options.connection, action: 'reading for --dry-run' });
  });
}

type GroupTally = Pick<DryRunReport, 'rows' | 'wouldUpdate' | 'applicationWritten' | 'nullMetadata' | 'anomalies' | 'groups'>;

/** The census's groups summed per provider and model, and per anomaly class (its samples still to read). */
function tallyGroups(census: readonly CensusGroup[]): GroupTally {
  const byGroup = new Map<string, DryRunGroup & { read: bigint; write: bigint }>();
  const anomalies: Record<string, DryRunAnomalyClass> = {};
  let nullMetadata = 0;
  for (const g of census) {
    const kind = rowKind(g.bits);
    const key = JSON.stringify([g.provider, g.model]);
    const into = byGroup.get(key) ?? {
      provider: g.provider,
      model: g.model,
      rows: 0,
      wouldUpdate: 0,
      applicationWritten: 0,
      cacheReadToWrite: '0',
      cacheWriteToWrite: '0',
      read: 0n,
      write: 0n,
    };
    into.rows += g.rows;
    if (!kind.columnsZero) into.applicationWritten += g.rows;
    if (wouldUpdate(kind)) {
      into.wouldUpdate += g.rows;
      into.read += g.sums.rule_read;
      into.write += g.sums.rule_write;
    }
    byGroup.set(key, into);
    if (kind.document === 'null') nullMetadata += g.rows;
    if (kind.columnsZero) {
      for (const cls of anomalyClasses(kind)) (anomalies[cls] ??= { rows: 0, sampleIds: [] }).rows += g.rows;
    }
  }
  const groups = [...byGroup.values()]
    .map(({ read, write, ...g }) => ({ ...g, cacheReadToWrite: read.toString(), cacheWriteToWrite: write.toString() }))
    .sort(
      (a, b) =>
        b.wouldUpdate - a.wouldUpdate ||
        b.rows - a.rows ||
        (a.provider ?? '').localeCompare(b.provider ?? '', 'en') ||
        (a.model ?? '').localeCompare(b.model ?? '', 'en'),
    );
  return {
    rows: census.reduce((sum, g) => sum + g.rows, 0),
    wouldUpdate: groups.reduce((sum, g) => sum + g.wouldUpdate, 0),
    applicationWritten: groups.reduce((sum, g) => sum + g.applicationWritten, 0),
    nullMetadata,
    anomalies,
    groups,
  };
}

/** How fast the read went, and what it says about the real run's duration. */
function readFigures(
  rows: number,
  wouldUpdateRows: number,
  ms: number,
): Pick<DryRunReport, 'readMs' | 'readRowsPerSecond' | 'estimatedRunMs'> {
  const readMs = Math.max(1, ms);
  const readRowsPerSecond = Math.round((rows * 1000) / readMs);
  const readEquivalent = rows + (WRITE_COST - 1) * wouldUpdateRows;
  return {
    readMs: Math.round(readMs),
    readRowsPerSecond,
    estimatedRunMs: rows === 0 ? 0 : etaMs(readEquivalent, readRowsPerSecond),
  };
}

/** A census group holds rows whose columns are 0 with an anomaly of class `cls`. */
function classHeld(group: CensusGroup, cls: string): boolean {
  const kind = rowKind(group.bits);
  return kind.columnsZero && anomalyClasses(kind).includes(cls);
}

/** Ids of rows of the window whose columns are 0 and whose metadata has an anomaly of `cls`, at most `limit`. */
function anomalySampleIdsStatement(scope: CensusScope, window: ScanWindow, cls: string, limit: number): ChunkStatement {
  const chunk = windowSql(window, scope.usages, sql`t`);
  const rule = compileRuleSql('t.metadata');
  const labels = cls === 'not_an_object' ? ['not_an_object:$'] : ruleKeys().map((key) => `${cls}:${key}`);
  const zero = scope.columnsPresent ? sql`t.${identifier(READ_COLUMN)} = 0 AND t.${identifier(WRITE_COLUMN)} = 0` : sql`true`;
  const statement = sql`SELECT a.id::text AS id
    FROM (SELECT t.id, ${unsafeRaw(rule.anomalies)} AS anomalies FROM ${chunk.from} WHERE ${chunk.where} AND ${zero} OFFSET 0) AS a
   WHERE a.anomalies && ARRAY[${join(labels.map(literal), ', ')}]::text[]${windowOrder(window, sql`a.id`)}
   LIMIT ${limit}`;
  return { text: statement.text, values: statement.values, settings: windowSettings(window) };
}
