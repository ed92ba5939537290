/**
 * verify's core: every figure of the report from ONE snapshot, read in short statements, so the
 * figures add up while the application keeps writing and no statement outlives a timeout. It
 * takes only ACCESS SHARE locks, which block no reader or writer; an ALTER TABLE (a concurrent
 * `up`) waits for them and gives up through its own lock_timeout.
 */
import type { DbRow } from '../db/row.js';
import { withSession, type Connector, type Queryable } from '../db/port.js';
import { translatePgError } from '../db/pg-errors.js';
import type { ConnectionTarget } from '../db/target.js';
import { PreflightError } from '../errors.js';
import { latestRun, ledgerExists } from '../ledger/runs.js';
import { CACHE_COLUMNS, TOKEN_USAGES, tables, target, type Tables } from '../names.js';
import { ruleFingerprint } from '../rule/fingerprint.js';
import { buildReport } from '../report/build.js';
import type { GroupFacts, LedgerRunFacts, SessionFacts, VerificationFacts } from '../report/facts.js';
import type { AnomalySample, Report, RowSample, SampleSection } from '../report/model.js';
import type { Runtime } from '../runtime.js';
import { chunkSizer } from '../backfill/policy/chunk-sizer.js';
import type { CensusScope } from '../scan/census.js';
import { silentScanSink, type ScanSink } from '../scan/events.js';
import type { WalkShape } from '../scan/plan.js';
import { Scan, type CensusChunk, type CensusResult } from '../scan/scan.js';
import { withSnapshot, type Snapshot } from '../scan/snapshot.js';
import { anomalyLabelsOf, rowKind, type CensusGroup } from '../scan/tally.js';
import { groupFacts } from './census-facts.js';
import { classOfFlags, PARITY_CLASSES } from './parity-class.js';
import { preflightStatement } from './queries.js';
import { anomalySampleStatement, classSampleStatement, sessionDiffStatement, sessionTotalsStatement } from './rows.js';
import { estimateFigures, planReplicates, type Replicate } from './sample-estimate.js';
import { SESSION_LIMIT, SessionDiffs } from './sessions.js';

/** verify's I/O: the Runtime (its random number seeds --sample), connections and progress. */
export interface VerifyDeps extends Runtime {
  /** Opens a connection (src/db/connect.ts in production): the leader, and the helpers. */
  connect: Connector;
  /** Progress events (scan/events.ts); none by default. */
  sink?: ScanSink;
}

export interface VerifySettings {
  connection: Pick<ConnectionTarget, 'label'>;
  schema: string;
  stateSchema: string;
  maxSamples: number;
  topSessions: number;
  failOnAnomaly: boolean;
  /** Sessions reading chunks at once, all in one snapshot. */
  workers: number;
  /** --sample: the share of pages in percent; undefined for the full verify. */
  sample?: number | undefined;
  /** Sessions summed in memory at most (sessions.ts); for tests. */
  sessionLimit?: number;
}

const COMMAND = 'verify';

const big = (value: unknown) => BigInt(String(value ?? '0'));

function sampleOf(row: DbRow): RowSample {
  return {
    id: row.id,
    interception_id: row.interception_id,
    column_cache_read: Number(row.column_read),
    column_cache_write: Number(row.column_write),
    rule_cache_read: Number(row.rule_read),
    rule_cache_write: Number(row.rule_write),
  };
}

function anomalySampleOf(row: DbRow): AnomalySample {
  const labels: string[] = row.anomalies;
  const raw: string[] = row.raw_values;
  return {
    id: row.id,
    interception_id: row.interception_id,
    anomalies: labels.map((label, n) => {
      const at = label.indexOf(':');
      const key = label.slice(at + 1);
      return { class: label.slice(0, at), key: key === '$' ? null : key, raw_value: raw[n] ?? '' };
    }),
  };
}

interface LedgerRead {
  ledger: VerificationFacts['ledger'];
  /** The run's max_created_at_at_start, for counting the rows created since. */
  createdAfter: Date | null;
}

async function readLedger(db: Queryable, settings: VerifySettings): Promise<LedgerRead> {
  const names = tables(settings.schema, settings.stateSchema);
  if (!(await ledgerExists(db, names))) return { ledger: { state: 'absent' }, createdAfter: null };
  const run = await latestRun(db, names, target(settings.schema), 'forward');
  if (!run) return { ledger: { state: 'no_runs' }, createdAfter: null };
  const facts: LedgerRunFacts = {
    runId: String(run.id),
    status: run.status,
    ruleFingerprint: run.ruleFingerprint,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    // Counted by the run's first walk of the table: whole only once the run has completed.
    tableRowsAtStart: run.status === 'completed' ? run.tableRowsAtStart : null,
    maxCreatedAtAtStart: run.maxCreatedAtAtStart,
    rowsScanned: run.rowsScanned,
    rowsUpdated: run.rowsUpdated,
    rowsApplicationWritten: run.rowsApplicationWritten,
    rowsCreatedSinceStart: null,
  };
  return { ledger: { state: 'present', run: facts }, createdAfter: run.maxCreatedAtAtStart };
}

/** What a chunk holds that later passes look for. */
function chunkCounts(groups: readonly CensusGroup[]): { pending: number; conflict: number; anomalous: number } {
  const counts = { pending: 0, conflict: 0, anomalous: 0 };
  for (const g of groups) {
    const kind = rowKind(g.bits);
    const cls = classOfFlags(kind);
    if (cls === 'pending' || cls === 'conflict') counts[cls] += g.rows;
    if (anomalyLabelsOf(kind).length > 0) counts.anomalous += g.rows;
  }
  return counts;
}

/** The whole-table figures a sample estimates, summed over one replicate's census. */
function replicateFigures(groups: readonly CensusGroup[]): Record<string, number> {
  const figures: Record<string, number> = { rows: 0, rows_with_anomalies: 0 };
  for (const c of PARITY_CLASSES) figures[c] = 0;
  for (const side of ['read', 'write'] as const) for (const f of ['columns', 'rule', 'difference']) figures[`${side}_${f}`] = 0;
  for (const g of groups) {
    const kind = rowKind(g.bits);
    const cls = classOfFlags(kind);
    figures.rows! += g.rows;
    figures[cls]! += g.rows;
    if (anomalyLabelsOf(kind).length > 0) figures.rows_with_anomalies! += g.rows;
    const appRead = cls === 'application_written' && kind.ruleReadZero ? g.sums.column_read : 0n;
    const appWrite = cls === 'application_written' && kind.ruleWriteZero ? g.sums.column_write : 0n;
    figures.read_columns! += Number(g.sums.column_read);
    figures.read_rule! += Number(g.sums.rule_read);
    figures.read_difference! += Number(g.sums.column_read - appRead - g.sums.rule_read);
    figures.write_columns! += Number(g.sums.column_write);
    figures.write_rule! += Number(g.sums.rule_write);
    figures.write_difference! += Number(g.sums.column_write - appWrite - g.sums.rule_write);
  }
  return figures;
}

function sampleSection(percent: number, seed: number, replicates: readonly Replicate[], rowsSampled: number): SampleSection {
  const e = estimateFigures(replicates);
  const zero = { estimate: 0, standard_error: 0, low: 0, high: 0 };
  const get = (name: string) => e[name] ?? zero;
  return {
    percent,
    replicates: replicates.length,
    seed,
    rows_sampled: rowsSampled,
    estimates: {
      rows: get('rows'),
      classes: { ok: get('ok'), application_written: get('application_written'), pending: get('pending'), conflict: get('conflict') },
      rows_with_anomalies: get('rows_with_anomalies'),
      cache_read: { columns: get('read_columns'), rule: get('read_rule'), difference: get('read_difference') },
      cache_write: { columns: get('write_columns'), rule: get('write_rule'), difference: get('write_difference') },
    },
  };
}

/**
 * Measures everything inside one snapshot; returns the facts for buildReport().
 *
 * One REPEATABLE READ, READ ONLY transaction holds the snapshot (scan/snapshot.ts); with
 * --workers above 1, more sessions import it and take chunks of the same walk. The table is
 * read a chunk per statement (scan/walk.ts): stretches of heap pages on PostgreSQL 14 and newer,
 * slices of the key space before, each aimed well under a second and under the role's
 * statement_timeout. Passes, in order:
 *
 *   rows      the census of every row (scan/census.ts): classes, anomalies, totals per
 *             provider and model, rows created since the backfill run — the rule judged once
 *             per row;
 *   samples   only the chunks the census found failing or anomalous rows in, until enough;
 *   sessions  only the chunks holding failing rows, summed per session (sessions.ts), then
 *             the totals of the sessions listed, from their interceptions.
 */
export async function collectFacts(leader: Queryable, settings: VerifySettings, deps: VerifyDeps): Promise<VerificationFacts> {
  const generatedAt = deps.clock.date();
  const names = tables(settings.schema, settings.stateSchema);
  return withSnapshot(
    leader,
    { sessions: settings.workers, connect: deps.connect, usages: names.usages, interceptions: names.interceptions, log: deps.log },
    (snapshot) => measure(snapshot, settings, deps, generatedAt),
  ).catch((error: unknown) => {
    throw translatePgError(error, { connection: settings.connection, action: 'verifying' });
  });
}

async function measure(snapshot: Snapshot, settings: VerifySettings, deps: VerifyDeps, generatedAt: Date): Promise<VerificationFacts> {
  const scan = new Scan({ snapshot, command: COMMAND, sink: deps.sink ?? silentScanSink, clock: deps.clock, sizer: chunkSizer });
  const names = tables(settings.schema, settings.stateSchema);
  const { facts: snap } = snapshot;
  const scope = await readScope(snapshot.db, names);
  scan.checkLimits();
  if (!scope.columnsPresent)
    deps.log.debug('the cache columns do not exist yet: reading them as 0 (a preview of what the backfill would change)');
  const { ledger, createdAfter } = await readLedger(snapshot.db, settings);

  // The census: every row once (or the sample's replicates).
  const sampled = settings.sample !== undefined;
  const seed = Math.floor(deps.random() * 1_000_000);
  const shape = sampled ? sampleShape(settings.sample!, snap.estimatedRows, seed) : scan.wholeTable();
  const readBy = sampled ? 'sample' : scan.byPages ? 'pages' : 'keys';
  scan.start(readBy, shape.estimatedRows, settings.sample ?? null);
  const census = await scan.census(scope, {
    shape,
    createdAfter,
    // A sample keeps every replicate (for the estimates); otherwise only what later passes read.
    keep: (groups) => sampled || Object.values(chunkCounts(groups)).some((n) => n > 0),
  });
  const groups = groupFacts(census.tally.groups());
  const chunks = census.chunks.map((c) => ({ ...c, counts: chunkCounts(c.groups) }));
  const failingRows = groups.reduce((sum, g) => sum + g.classes.pending + g.classes.conflict, 0);
  const { samples, anomalySamples } = await readSamples(scan, scope, chunks, groups, settings.maxSamples);

  // Sessions: only failing rows can make a session differ (sessions.ts). A sample holds part
  // of each session, so it does not sum them.
  const sessions: VerificationFacts['sessions'] = sampled
    ? { withFailingRows: null, differing: null, top: [] }
    : failingRows > 0
      ? await sumSessions(settings, scope, failingChunks(chunks), groups, scan, snap.pages.interceptions)
      : { withFailingRows: 0, differing: 0, top: [] };

  if (ledger.state === 'present' && createdAfter !== null && !sampled) {
    ledger.run.rowsCreatedSinceStart = census.tally.groups().reduce((sum, g) => sum + g.createdAfter, 0);
  }
  scan.finish();
  return {
    generatedAt,
    snapshotAt: snap.takenAt,
    database: settings.connection.label,
    schema: settings.schema,
    table: TOKEN_USAGES,
    serverVersionNum: snap.serverVersionNum,
    columnsPresent: scope.columnsPresent,
    ruleFingerprint: ruleFingerprint(),
    maxSamples: settings.maxSamples,
    topSessions: settings.topSessions,
    groups,
    rowsInTable: sampled ? null : census.tally.rows(),
    samples,
    sessions,
    ledger,
    anomalySamples,
    scan: {
      read_by: readBy,
      sessions: snapshot.sessions,
      chunks: census.stats.chunks,
      longest_chunk_ms: Math.round(census.stats.longestChunkMs),
      duration_ms: Math.round(scan.elapsedMs()),
    },
    sample: sampled ? sampleFacts(settings.sample!, seed, census) : null,
  };
}

/** What the census reads, after refusing a table verify cannot judge. */
async function readScope(db: Queryable, names: Tables): Promise<CensusScope> {
  const preflight = preflightStatement(names.usages, CACHE_COLUMNS, names.interceptions);
  const { rows: pre } = await db.query(preflight.text, preflight.values);
  const state = pre[0]!;
  if (!state.table_exists) {
    throw new PreflightError(`table ${names.usages} does not exist`, {
      hint: 'Check --schema: it must name the schema holding the aibridge_* tables (default public).',
    });
  }
  if (state.cache_columns === 1) {
    throw new PreflightError(`${names.usages} has only one of ${CACHE_COLUMNS.join(' and ')}`, {
      hint: 'Run `aibridge-migrate up` to add the missing column, then verify again.',
    });
  }
  return {
    usages: names.usages,
    interceptions: state.interceptions_exist ? names.interceptions : null,
    columnsPresent: state.cache_columns === 2,
  };
}

/** The census's walk for --sample: the replicates' page samples. */
function sampleShape(percent: number, estimatedRows: number, seed: number): WalkShape {
  return {
    by: 'list',
    windows: planReplicates(percent, estimatedRows, seed).map((r) => ({ by: 'sample', ...r })),
    estimatedRows: Math.max(0, estimatedRows) * (percent / 100),
  };
}

/** The sample's estimates, from each replicate's census. */
function sampleFacts(percent: number, seed: number, census: CensusResult): SampleSection {
  const replicates = census.chunks.flatMap((c) =>
    c.window.by === 'sample' ? [{ fraction: c.window.percent / 100, figures: replicateFigures(c.groups) }] : [],
  );
  return sampleSection(percent, seed, replicates, census.tally.rows());
}

type CountedChunk = CensusChunk & { counts: ReturnType<typeof chunkCounts> };

function failingChunks(chunks: readonly CountedChunk[]): CountedChunk[] {
  return chunks.filter((c) => c.counts.pending + c.counts.conflict > 0);
}

/** The first failing (or anomalous) rows in table order, from the chunks that hold them. */
async function readSamples(
  scan: Scan,
  scope: CensusScope,
  chunks: readonly CountedChunk[],
  groups: readonly GroupFacts[],
  maxSamples: number,
): Promise<Pick<VerificationFacts, 'samples' | 'anomalySamples'>> {
  const samples: VerificationFacts['samples'] = { pending: [], conflict: [] };
  for (const cls of ['pending', 'conflict'] as const) {
    if (maxSamples === 0 || groups.every((g) => g.classes[cls] === 0)) continue;
    samples[cls] = await scan.sample(
      chunks.filter((c) => c.counts[cls] > 0).map((c) => c.window),
      maxSamples,
      (window, wanted) => classSampleStatement(scope, window, cls, wanted),
      sampleOf,
    );
  }
  const anomalous = chunks.filter((c) => c.counts.anomalous > 0).map((c) => c.window);
  const anomalySamples =
    maxSamples > 0 && anomalous.length > 0
      ? await scan.sample(anomalous, maxSamples, (window, wanted) => anomalySampleStatement(scope, window, wanted), anomalySampleOf)
      : [];
  return { samples, anomalySamples };
}

/**
 * The sessions pass: failing rows per session from the chunks holding them, then the whole
 * totals of the sessions listed — from their interceptions (a walk of aibridge_interceptions,
 * each interception's usage rows by index), or for the rows without one from the census.
 */
async function sumSessions(
  settings: VerifySettings,
  scope: CensusScope,
  failing: readonly CountedChunk[],
  groups: readonly GroupFacts[],
  scan: Scan,
  interceptionPages: number,
): Promise<VerificationFacts['sessions']> {
  const diffs = await diffSessions(settings.sessionLimit ?? SESSION_LIMIT, scope, failing, scan);
  if (!diffs.complete) return { withFailingRows: null, differing: null, top: [] };
  const summary = diffs.summary(settings.topSessions);
  const named = summary.top.flatMap((s) => (s.session === null ? [] : [s.session]));
  const interceptions = scope.interceptions;
  const totals =
    named.length > 0 && interceptions !== null
      ? await sessionTotals(scan, { ...scope, interceptions }, named, interceptionPages)
      : new Map<string | null, SessionFacts>();
  const orphans = groups.filter((g) => !g.hasInterception);
  if (summary.top.some((s) => s.session === null) && orphans.length > 0) totals.set(null, orphanSession(orphans));
  return {
    withFailingRows: summary.withFailingRows,
    differing: summary.differing,
    top: summary.top.flatMap((s) => {
      const t = totals.get(s.session);
      return t ? [t] : [];
    }),
  };
}

/** Each session's difference over its failing rows, from the chunks holding them. */
async function diffSessions(limit: number, scope: CensusScope, failing: readonly CountedChunk[], scan: Scan): Promise<SessionDiffs> {
  const diffs = new SessionDiffs(limit);
  const iwOf = new Map(failing.map((c) => [JSON.stringify(c.window), c.interceptionWindow]));
  await scan.pass(
    'sessions',
    {
      by: 'list',
      windows: failing.map((c) => c.window),
      estimatedRows: failing.reduce((sum, c) => sum + c.counts.pending + c.counts.conflict, 0),
    },
    {
      statement: (window) => sessionDiffStatement(scope, window, iwOf.get(JSON.stringify(window)) ?? null),
      consume: (_window, rows) => {
        diffs.add(rows);
        return rows.reduce((sum, row) => sum + Number(row.rows), 0);
      },
      enough: () => !diffs.complete,
    },
    'all',
  );
  return diffs;
}

const zeroSide = () => ({ columns: 0n, rule: 0n, applicationWritten: 0n });

/** The whole totals of the `named` sessions, from a walk of their interceptions. */
async function sessionTotals(
  scan: Scan,
  scope: CensusScope & { interceptions: string },
  named: readonly string[],
  interceptionPages: number,
): Promise<Map<string | null, SessionFacts>> {
  const totals = new Map<string | null, SessionFacts>();
  await scan.pass(
    'session_totals',
    scan.byPages ? { by: 'pages', pages: interceptionPages, estimatedRows: 0 } : { by: 'keys', estimatedRows: 0 },
    {
      statement: (window) => sessionTotalsStatement(scope, window, named),
      consume: (_window, rows) => {
        for (const row of rows) {
          const into = totals.get(row.session) ?? { session: row.session, rows: 0, read: zeroSide(), write: zeroSide() };
          into.rows += Number(row.rows);
          into.read.columns += big(row.column_read);
          into.read.rule += big(row.rule_read);
          into.read.applicationWritten += big(row.app_read);
          into.write.columns += big(row.column_write);
          into.write.rule += big(row.rule_write);
          into.write.applicationWritten += big(row.app_write);
          totals.set(row.session, into);
        }
        return rows.reduce((sum, row) => sum + Number(row.rows), 0);
      },
    },
    'all',
  );
  return totals;
}

/** The usage rows without an interception, as the one session they make, from the census. */
function orphanSession(orphans: readonly GroupFacts[]): SessionFacts {
  const side = (which: 'read' | 'write') => ({
    columns: orphans.reduce((sum, g) => sum + g[which].columns, 0n),
    rule: orphans.reduce((sum, g) => sum + g[which].rule, 0n),
    applicationWritten: orphans.reduce((sum, g) => sum + g[which].applicationWritten, 0n),
  });
  return { session: null, rows: orphans.reduce((sum, g) => sum + g.rows, 0), read: side('read'), write: side('write') };
}

/** Connects, measures, builds the report. The caller renders it. */
export async function runVerify(settings: VerifySettings, deps: VerifyDeps): Promise<Report> {
  const facts = await withSession(deps.connect, (db) => collectFacts(db, settings, deps));
  return buildReport(facts, { failOnAnomaly: settings.failOnAnomaly });
}
