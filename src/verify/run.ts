/**
 * verify's core: one REPEATABLE READ, READ ONLY transaction, so every figure in the report
 * describes the same snapshot and nothing is written. It takes only ACCESS SHARE locks, which
 * block no reader or writer — but they do make an ALTER TABLE (e.g. a concurrent `up`) wait,
 * and `up` gives up quickly through its lock_timeout rather than queueing writers behind it.
 */
import type { DbRow } from '../db/row.js';
import { withSession, type Connector, type Queryable } from '../db/port.js';
import { translatePgError } from '../db/pg-errors.js';
import type { ConnectionTarget } from '../db/target.js';
import { withTransaction } from '../db/transaction.js';
import { PreflightError } from '../errors.js';
import { latestRun, ledgerExists } from '../ledger/runs.js';
import { CACHE_COLUMNS, TOKEN_USAGES, tables, target } from '../names.js';
import { ruleFingerprint } from '../rule/fingerprint.js';
import { buildReport } from '../report/build.js';
import type { GroupFacts, LedgerRunFacts, SessionFacts, VerificationFacts } from '../report/facts.js';
import type { AnomalySample, Report, RowSample } from '../report/model.js';
import type { Clock, Log } from '../runtime.js';
import { PARITY_CLASSES } from './parity-class.js';
import {
  PREFLIGHT_SQL,
  anomalyLabels,
  anomalySampleSql,
  classSampleSql,
  countRowsSql,
  groupPassSql,
  sessionPassSql,
  type VerifyScope,
} from './queries.js';

export interface VerifyDeps {
  /** Opens the connection (src/db/connect.ts in production). */
  connect: Connector;
  clock: Pick<Clock, 'date'>;
  log: Log;
}

export interface VerifySettings {
  connection: Pick<ConnectionTarget, 'label'>;
  schema: string;
  stateSchema: string;
  maxSamples: number;
  topSessions: number;
  failOnAnomaly: boolean;
}

const int = (value: unknown) => Number(value ?? 0);
const big = (value: unknown) => BigInt(String(value ?? '0'));

function groupFacts(row: DbRow, labels: readonly string[]): GroupFacts {
  const anomalies: Record<string, number> = {};
  labels.forEach((label, n) => {
    anomalies[label] = int(row[`a${n}`]);
  });
  return {
    hasInterception: row.has_interception === true,
    provider: row.provider ?? null,
    model: row.model ?? null,
    rows: int(row.rows),
    classes: { ok: int(row.ok), application_written: int(row.application_written), pending: int(row.pending), conflict: int(row.conflict) },
    rowsWithAnomalies: int(row.rows_with_anomalies),
    anomalyLabels: anomalies,
    read: { columns: big(row.column_read), rule: big(row.rule_read), applicationWritten: big(row.app_read), legacy: big(row.legacy_read) },
    write: {
      columns: big(row.column_write),
      rule: big(row.rule_write),
      applicationWritten: big(row.app_write),
      legacy: big(row.legacy_write),
    },
    rowsWithInputCached: int(row.rows_input_cached),
    rowsWithSeveralReadKeys: int(row.rows_several_read_keys),
  };
}

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

/** Measures everything inside one snapshot; returns the facts for buildReport(). */
export async function collectFacts(
  session: Queryable,
  settings: VerifySettings,
  deps: Pick<VerifyDeps, 'clock' | 'log'>,
): Promise<VerificationFacts> {
  const generatedAt = deps.clock.date();
  return withTransaction(session, (db) => measure(db, settings, deps, generatedAt), { mode: 'snapshot' }).catch((error: unknown) => {
    throw translatePgError(error, { connection: settings.connection, action: 'verifying' });
  });
}

async function measure(
  db: Queryable,
  settings: VerifySettings,
  deps: Pick<VerifyDeps, 'log'>,
  generatedAt: Date,
): Promise<VerificationFacts> {
  const table = tables(settings.schema, settings.stateSchema).usages;
  const { rows: pre } = await db.query(PREFLIGHT_SQL, [table, CACHE_COLUMNS]);
  const state = pre[0];
  if (!state?.table_exists) {
    throw new PreflightError(`table ${table} does not exist`, {
      hint: 'Check --schema: it must name the schema holding the aibridge_* tables (default public).',
    });
  }
  if (state.cache_columns === 1) {
    throw new PreflightError(`${table} has only one of ${CACHE_COLUMNS.join(' and ')}`, {
      hint: 'Run `aibridge-migrate up` to add the missing column, then verify again.',
    });
  }
  const names: VerifyScope = { appSchema: settings.schema, columnsPresent: state.cache_columns === 2 };
  if (!names.columnsPresent)
    deps.log.debug('the cache columns do not exist yet: reading them as 0 (a preview of what the backfill would change)');

  const labels = anomalyLabels();
  deps.log.debug('checking every row (one pass)…');
  const { rows: groupRows } = await db.query(groupPassSql(names));
  const groups = groupRows.map((row) => groupFacts(row, labels));
  const { ledger, createdAfter } = await readLedger(db, settings);
  const { rows: counted } = await db.query(countRowsSql(names), [createdAfter]);
  const rowsInTable = int(counted[0]?.rows);
  if (ledger.state === 'present' && createdAfter !== null) ledger.run.rowsCreatedSinceStart = int(counted[0]?.after);

  const classTotals = Object.fromEntries(PARITY_CLASSES.map((c) => [c, groups.reduce((sum, g) => sum + g.classes[c], 0)]));
  const samples: VerificationFacts['samples'] = { pending: [], conflict: [] };
  for (const cls of ['pending', 'conflict'] as const) {
    if (settings.maxSamples === 0 || classTotals[cls] === 0) continue;
    const { rows } = await db.query(classSampleSql(names), [cls, settings.maxSamples]);
    samples[cls] = rows.map(sampleOf);
  }
  const anomalous = groups.reduce((sum, g) => sum + g.rowsWithAnomalies, 0);
  const anomalySamples =
    anomalous > 0 && settings.maxSamples > 0
      ? (await db.query(anomalySampleSql(names), [settings.maxSamples])).rows.map(anomalySampleOf)
      : [];

  // A session's totals are sums over its rows, and only a pending or conflict row makes its
  // columns differ from its metadata (see parity-class.ts): with none, no session can
  // differ, and the second full pass that would prove it again is skipped.
  let sessionRows: DbRow[] = [];
  if (classTotals.pending! + classTotals.conflict! > 0) {
    deps.log.debug('some rows fail parity: summing per session…');
    sessionRows = (await db.query(sessionPassSql(names), [settings.topSessions])).rows;
  }
  // Every row carries the window counts over all sessions.
  const first = sessionRows[0];
  const sessionCount = first ? int(first.sessions) : null;
  const differing = first ? int(first.sessions_differing) : 0;
  // When some sessions differ, agreeing ones in the top-N say nothing: leave them out.
  const top: SessionFacts[] = sessionRows
    .filter((row) => differing === 0 || row.differs)
    .map((row) => ({
      session: row.session,
      rows: int(row.rows),
      read: { columns: big(row.column_read), rule: big(row.rule_read), applicationWritten: big(row.app_read) },
      write: { columns: big(row.column_write), rule: big(row.rule_write), applicationWritten: big(row.app_write) },
    }));

  return {
    generatedAt,
    snapshotAt: new Date(state.snapshot_at),
    database: settings.connection.label,
    schema: settings.schema,
    table: TOKEN_USAGES,
    serverVersionNum: int(state.server_version_num),
    columnsPresent: names.columnsPresent,
    ruleFingerprint: ruleFingerprint(),
    maxSamples: settings.maxSamples,
    topSessions: settings.topSessions,
    groups,
    rowsInTable,
    samples,
    sessions: { count: sessionCount, differing, top },
    ledger,
    anomalySamples,
  };
}

/** Connects, measures, builds the report. The caller renders it. */
export async function runVerify(settings: VerifySettings, deps: VerifyDeps): Promise<Report> {
  const facts = await withSession(deps.connect, (db) => collectFacts(db, settings, deps));
  return buildReport(facts, { failOnAnomaly: settings.failOnAnomaly });
}
