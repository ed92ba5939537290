/**
 * The ledger's rows as the code sees them: one place that maps backfill_runs and
 * backfill_ranges columns to typed values (bigint counts arrive from pg as text).
 */
import type { DbRow } from '../db/row.js';

export type RunStatus = 'running' | 'interrupted' | 'failed' | 'completed' | 'abandoned';

/** forward: fill the columns from metadata; reverse: copy the columns back into metadata. */
export type Direction = 'forward' | 'reverse';

/**
 * How a run walks the table: `page`, heap pages in physical order, a window at a time
 * (PostgreSQL 14 and newer); `key`, primary-key order (PostgreSQL 13, and runs begun by a
 * version before the page walk).
 */
export type Walk = 'key' | 'page';

/**
 * Which walk of the table counts table_rows_at_start: the run's first pass, batch by batch, or
 * the count a run starts with when it follows a completed run; null for runs that count neither.
 */
export type RowsAtStartFrom = 'first pass' | 'first count';

export interface RunRow {
  id: number;
  direction: Direction;
  status: RunStatus;
  ruleFingerprint: string;
  walk: Walk;
  rowsAtStartFrom: RowsAtStartFrom | null;
  /** --batch-size of the process that last claimed the run; null: sized by the controller's aim. */
  fixedBatchSize: number | null;
  /** The settings the run was started with, for a person reading the ledger: nothing reads them back. */
  options: Record<string, unknown>;
  /** Where the process that last claimed the run says it runs. */
  host: string | null;
  pid: number | null;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
  /** What the table looked like when the run began: lets verify explain rows added since. */
  tableRowsAtStart: number | null;
  maxCreatedAtAtStart: Date | null;
  rowsEstimated: number | null;
  /** Keyed pass only: a sweep re-reads rows already counted. */
  rowsScanned: number;
  /** Every pass: each row is written at most once. */
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
  /** 0 = the first pass; 1, 2, … = convergence sweeps. */
  pass: number;
  /** A key range: keys in (lo, hi]; null lo = from the first key, null hi = through the last. Null for a page range. */
  lo: string | null;
  hi: string | null;
  /** A key range: last key fully processed; null = nothing yet. */
  checkpoint: string | null;
  /** A page range (a page walk's); null for a key range. */
  pages: PageProgress | null;
  status: 'pending' | 'done';
  rowsScanned: number;
  rowsUpdated: number;
  /** "host pid N lane M" of the last lane that claimed it, and when. */
  claimedBy: string | null;
  claimedAt: Date | null;
}

/** Where a page range stands: pages [first, end) of the heap; see the ledger migration 20261205000000000. */
export interface PageProgress {
  first: number;
  end: number;
  /** Pages before it are done. */
  next: number;
  /** Pages [next, countedTo) were read and counted; their rows are being written. */
  countedTo: number;
}

/** The column the newest ledger migration added to backfill_runs: a ledger without it is an older version's. */
export const NEWEST_RUN_COLUMN = 'fixed_batch_size';

export const RUN_COLUMNS = `id, direction, status, rule_fingerprint, walk, rows_at_start_from, fixed_batch_size, options, host, pid, started_at, updated_at, finished_at,
  table_rows_at_start, max_created_at_at_start, rows_estimated, rows_scanned, rows_updated, rows_application_written,
  anomalies, batches, busy_ms, longest_batch_ms, convergence_passes, unconverged_rows, unreversible_rows, last_error`;

export const RANGE_COLUMNS = `run_id, range_no, pass, lo::text AS lo, hi::text AS hi, checkpoint::text AS checkpoint,
  first_page, end_page, next_page, counted_to_page, status, rows_scanned, rows_updated, claimed_by, claimed_at`;

const count = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function countsOf(value: unknown): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) counts[k] = Number(v);
  return counts;
}

export function toRun(row: DbRow): RunRow {
  return {
    id: Number(row.id),
    direction: row.direction,
    status: row.status,
    ruleFingerprint: row.rule_fingerprint,
    walk: row.walk,
    rowsAtStartFrom: row.rows_at_start_from ?? null,
    fixedBatchSize: count(row.fixed_batch_size),
    options: row.options ?? {},
    host: row.host,
    pid: row.pid,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    tableRowsAtStart: count(row.table_rows_at_start),
    maxCreatedAtAtStart: row.max_created_at_at_start,
    rowsEstimated: count(row.rows_estimated),
    rowsScanned: Number(row.rows_scanned),
    rowsUpdated: Number(row.rows_updated),
    rowsApplicationWritten: Number(row.rows_application_written),
    anomalies: countsOf(row.anomalies),
    batches: Number(row.batches),
    busyMs: Number(row.busy_ms),
    longestBatchMs: Number(row.longest_batch_ms),
    convergencePasses: Number(row.convergence_passes),
    unconvergedRows: count(row.unconverged_rows),
    unreversibleRows: count(row.unreversible_rows),
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
    pages:
      row.first_page === null || row.first_page === undefined
        ? null
        : {
            first: Number(row.first_page),
            end: Number(row.end_page),
            next: Number(row.next_page),
            countedTo: Number(row.counted_to_page),
          },
    status: row.status,
    rowsScanned: Number(row.rows_scanned),
    rowsUpdated: Number(row.rows_updated),
    claimedBy: row.claimed_by ?? null,
    claimedAt: row.claimed_at ?? null,
  };
}

/** A slice of the key space: keys in (lo, hi]; null lo = from the first key, null hi = through the last. */
export interface KeyRange {
  lo: string | null;
  hi: string | null;
}

/** A stretch of the heap: pages [first, end). */
export interface PageRange {
  first: number;
  end: number;
}

/** What a new range covers: keys or pages. */
export type RangePlan = KeyRange | PageRange;
