/**
 * Reading and writing the backfill ledger (<stateSchema>.backfill_runs / backfill_ranges).
 * Per-range rows are the source of truth for where work stands; a batch's range row and its
 * run's totals are written in the batch's own transaction (see batch.ts), so the ledger never
 * claims work the table does not hold, nor misses work it does.
 *
 * A run is split into ranges of keys: one range per pass for the single runner, several per
 * pass with --workers (range_no, lo, hi, checkpoint per range), each worker taking one at a time.
 */
import type { KeyRange } from './ranges.js';
import { mergeCountsSql, type TableNames } from './sql.js';
import type { DbRow } from '../db/row.js';

export interface Queryable {
  query<R extends DbRow = DbRow>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

export type RunStatus = 'running' | 'interrupted' | 'failed' | 'completed' | 'abandoned';

/** forward: fill the columns from metadata; reverse: copy the columns back into metadata. */
export type Direction = 'forward' | 'reverse';

export interface RunRow {
  id: number;
  direction: Direction;
  status: RunStatus;
  ruleFingerprint: string;
  host: string | null;
  pid: number | null;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  rowsEstimated: number | null;
  rowsScanned: number;
  rowsUpdated: number;
  rowsApplicationWritten: number;
  anomalies: Record<string, number>;
  batches: number;
  busyMs: number;
  longestBatchMs: number;
  convergencePasses: number;
  unconvergedRows: number | null;
  /** Reverse runs: rows needing reversal that were left alone; null when not counted. */
  unreversibleRows: number | null;
  lastError: string | null;
}

export interface RangeRow {
  runId: number;
  rangeNo: number;
  pass: number;
  lo: string | null;
  hi: string | null;
  checkpoint: string | null;
  status: 'pending' | 'done';
  rowsScanned: number;
  rowsUpdated: number;
}

const RUN_COLUMNS = `id, direction, status, rule_fingerprint, host, pid, started_at, updated_at, finished_at, rows_estimated,
  rows_scanned, rows_updated, rows_application_written, anomalies, batches, busy_ms, longest_batch_ms,
  convergence_passes, unconverged_rows, unreversible_rows, last_error`;

function toRun(row: DbRow): RunRow {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries((row.anomalies ?? {}) as Record<string, unknown>)) counts[k] = Number(v);
  return {
    id: Number(row.id),
    direction: row.direction,
    status: row.status,
    ruleFingerprint: row.rule_fingerprint,
    host: row.host,
    pid: row.pid,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    rowsEstimated: num(row.rows_estimated),
    rowsScanned: Number(row.rows_scanned),
    rowsUpdated: Number(row.rows_updated),
    rowsApplicationWritten: Number(row.rows_application_written),
    anomalies: counts,
    batches: Number(row.batches),
    busyMs: Number(row.busy_ms),
    longestBatchMs: Number(row.longest_batch_ms),
    convergencePasses: Number(row.convergence_passes),
    unconvergedRows: num(row.unconverged_rows),
    unreversibleRows: num(row.unreversible_rows),
    lastError: row.last_error,
  };
}

export function toRange(row: DbRow): RangeRow {
  return {
    runId: Number(row.run_id),
    rangeNo: Number(row.range_no),
    pass: Number(row.pass),
    lo: row.lo,
    hi: row.hi,
    checkpoint: row.checkpoint,
    status: row.status,
    rowsScanned: Number(row.rows_scanned),
    rowsUpdated: Number(row.rows_updated),
  };
}

export interface Target {
  schema: string;
  table: string;
}

/** The run a new `backfill` would resume: not completed and not abandoned. */
export async function findOpenRun(db: Queryable, names: TableNames, target: Target, direction: Direction = 'forward'): Promise<RunRow | null> {
  const { rows } = await db.query(
    `SELECT ${RUN_COLUMNS} FROM ${names.runs}
      WHERE target_schema = $1 AND target_table = $2 AND direction = $3
        AND status IN ('running', 'interrupted', 'failed')`,
    [target.schema, target.table, direction],
  );
  return rows[0] ? toRun(rows[0]) : null;
}

/** Whether the run has a keyed pass (pass 0); a count-first run has none until its count finds rows. */
export async function hasKeyedPass(db: Queryable, names: TableNames, runId: number): Promise<boolean> {
  const { rows } = await db.query(`SELECT EXISTS (SELECT 1 FROM ${names.ranges} WHERE run_id = $1 AND pass = 0) AS keyed`, [runId]);
  return rows[0]?.keyed === true;
}

/** The target's most recent run of either direction, whatever its status. */
export async function latestRun(db: Queryable, names: TableNames, target: Target): Promise<RunRow | null> {
  const { rows } = await db.query(
    `SELECT ${RUN_COLUMNS} FROM ${names.runs} WHERE target_schema = $1 AND target_table = $2 ORDER BY id DESC LIMIT 1`,
    [target.schema, target.table],
  );
  return rows[0] ? toRun(rows[0]) : null;
}

export async function readRun(db: Queryable, names: TableNames, runId: number): Promise<RunRow> {
  const { rows } = await db.query(`SELECT ${RUN_COLUMNS} FROM ${names.runs} WHERE id = $1`, [runId]);
  if (!rows[0]) throw new Error(`backfill run ${runId} vanished from the ledger`);
  return toRun(rows[0]);
}

export interface NewRun extends Target {
  ruleFingerprint: string;
  options: Record<string, unknown>;
  host: string;
  pid: number;
  tableRowsAtStart: number;
  maxCreatedAtAtStart: Date | null;
  rowsEstimated: number;
  /** Default forward. */
  direction?: Direction;
  /** The keyed pass's ranges; default one range over the whole key space. */
  ranges?: readonly KeyRange[];
}

/** Creates a run and its keyed-pass ranges (by default one, the whole key space) in one transaction. */
export async function createRun(db: Queryable, names: TableNames, run: NewRun): Promise<RunRow> {
  await db.query('BEGIN');
  try {
    const { rows } = await db.query(
      `INSERT INTO ${names.runs}
         (direction, status, rule_fingerprint, target_schema, target_table, options, host, pid,
          table_rows_at_start, max_created_at_at_start, rows_estimated)
       VALUES ($10, 'running', $1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9)
       RETURNING ${RUN_COLUMNS}`,
      [run.ruleFingerprint, run.schema, run.table, JSON.stringify(run.options), run.host, run.pid, run.tableRowsAtStart, run.maxCreatedAtAtStart, run.rowsEstimated, run.direction ?? 'forward'],
    );
    const created = toRun(rows[0]!);
    await insertRanges(db, names, created.id, 0, run.ranges ?? [{ lo: null, hi: null }]);
    await db.query('COMMIT');
    return created;
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Marks the run as this process's: status running, our host and pid. */
export async function claimRun(db: Queryable, names: TableNames, runId: number, host: string, pid: number): Promise<void> {
  await db.query(
    `UPDATE ${names.runs} SET status = 'running', host = $2, pid = $3, updated_at = now(), finished_at = NULL, last_error = NULL WHERE id = $1`,
    [runId, host, pid],
  );
}

export async function abandonRun(db: Queryable, names: TableNames, runId: number, reason: string): Promise<void> {
  await db.query(
    `UPDATE ${names.runs} SET status = 'abandoned', finished_at = now(), updated_at = now(), last_error = $2 WHERE id = $1`,
    [runId, reason],
  );
}

/** The first unfinished range, keyed pass before sweeps. */
export async function nextPendingRange(db: Queryable, names: TableNames, runId: number): Promise<RangeRow | null> {
  const { rows } = await db.query(
    `SELECT run_id, range_no, pass, lo::text AS lo, hi::text AS hi, checkpoint::text AS checkpoint, status, rows_scanned, rows_updated
       FROM ${names.ranges} WHERE run_id = $1 AND status = 'pending' ORDER BY pass, range_no LIMIT 1`,
    [runId],
  );
  return rows[0] ? toRange(rows[0]) : null;
}

export interface PassTotals {
  pass: number;
  rowsScanned: number;
  rowsUpdated: number;
}

/** Totals of the last pass that has any range, or null for a run with no ranges. */
export async function lastPass(db: Queryable, names: TableNames, runId: number): Promise<PassTotals | null> {
  const { rows } = await db.query(
    `SELECT pass, sum(rows_scanned)::bigint AS scanned, sum(rows_updated)::bigint AS updated
       FROM ${names.ranges} WHERE run_id = $1 GROUP BY pass ORDER BY pass DESC LIMIT 1`,
    [runId],
  );
  return rows[0] ? { pass: Number(rows[0].pass), rowsScanned: Number(rows[0].scanned), rowsUpdated: Number(rows[0].updated) } : null;
}

/** Appends ranges of `pass`, numbered after the run's last range. */
async function insertRanges(db: Queryable, names: TableNames, runId: number, pass: number, ranges: readonly KeyRange[]): Promise<void> {
  await db.query(
    `INSERT INTO ${names.ranges} (run_id, range_no, pass, lo, hi)
     SELECT $1, base.next + r.ord - 1, $2, r.lo, r.hi
       FROM (SELECT COALESCE(max(range_no) + 1, 0) AS next FROM ${names.ranges} WHERE run_id = $1) AS base,
            unnest($3::uuid[], $4::uuid[]) WITH ORDINALITY AS r(lo, hi, ord)`,
    [runId, pass, ranges.map((r) => r.lo), ranges.map((r) => r.hi)],
  );
}

/** Opens sweep `pass` over the whole key space (one range, or `ranges` for parallel workers). */
export async function addSweepRange(db: Queryable, names: TableNames, runId: number, pass: number, ranges?: readonly KeyRange[]): Promise<void> {
  await insertRanges(db, names, runId, pass, ranges ?? [{ lo: null, hi: null }]);
  await db.query(`UPDATE ${names.runs} SET convergence_passes = greatest(convergence_passes, $2), updated_at = now() WHERE id = $1`, [runId, pass]);
}

/** What one batch did, as its range and its run record it. */
export interface BatchResult {
  /** Last key the batch covered; the next batch starts after it. */
  checkpoint: string | null;
  rangeDone: boolean;
  scanned: number;
  updated: number;
  applicationWritten: number;
  anomalies: Record<string, number>;
  ms: number;
}

export interface BatchRecord extends BatchResult {
  runId: number;
  rangeNo: number;
  pass: number;
}

/**
 * The batch's checkpoint, in the batch's transaction. The run's scanned / application-written
 * / anomaly totals describe the keyed pass only (a sweep re-reads rows already counted);
 * rows_updated counts every pass, since each row is written at most once.
 */
export async function recordBatch(db: Queryable, names: TableNames, batch: BatchRecord): Promise<void> {
  const anomalies = JSON.stringify(batch.anomalies);
  await db.query(
    `UPDATE ${names.ranges}
        SET checkpoint = COALESCE($3::uuid, checkpoint), status = CASE WHEN $4 THEN 'done' ELSE 'pending' END,
            rows_scanned = rows_scanned + $5, rows_updated = rows_updated + $6,
            rows_application_written = rows_application_written + $7, anomalies = ${mergeCountsSql('anomalies', '$8')},
            batches = batches + 1, busy_ms = busy_ms + $9, longest_batch_ms = greatest(longest_batch_ms, $9),
            finished_at = CASE WHEN $4 THEN now() END, updated_at = now()
      WHERE run_id = $1 AND range_no = $2`,
    [batch.runId, batch.rangeNo, batch.checkpoint, batch.rangeDone, batch.scanned, batch.updated, batch.applicationWritten, anomalies, Math.round(batch.ms)],
  );
  const keyed = batch.pass === 0;
  await db.query(
    `UPDATE ${names.runs}
        SET rows_scanned = rows_scanned + $2, rows_updated = rows_updated + $3,
            rows_application_written = rows_application_written + $4, anomalies = ${mergeCountsSql('anomalies', '$5')},
            batches = batches + 1, busy_ms = busy_ms + $6, longest_batch_ms = greatest(longest_batch_ms, $6), updated_at = now()
      WHERE id = $1`,
    [batch.runId, keyed ? batch.scanned : 0, batch.updated, keyed ? batch.applicationWritten : 0, keyed ? anomalies : '{}', Math.round(batch.ms)],
  );
}

export async function finishRun(
  db: Queryable,
  names: TableNames,
  runId: number,
  outcome: {
    status: Exclude<RunStatus, 'running' | 'abandoned'>;
    unconvergedRows?: number | null;
    unreversibleRows?: number | null;
    lastError?: string | null;
  },
): Promise<void> {
  await db.query(
    `UPDATE ${names.runs}
        SET status = $2, finished_at = CASE WHEN $2 = 'completed' THEN now() END, updated_at = now(),
            unconverged_rows = COALESCE($3, unconverged_rows), last_error = $4,
            unreversible_rows = COALESCE($5, unreversible_rows)
      WHERE id = $1`,
    [runId, outcome.status, outcome.unconvergedRows ?? null, outcome.lastError ?? null, outcome.unreversibleRows ?? null],
  );
}
