/**
 * backfill_runs: one row per run. The ledger module (this folder) is the only code that reads
 * or writes the ledger; the backfill, `status` and `verify` all go through it.
 */
import { sqlState, SQLSTATE } from '../db/pg-errors.js';
import type { Queryable } from '../db/port.js';
import { param, quoted, sql, unsafeRaw } from '../db/sql.js';
import { AlreadyRunningError } from '../errors.js';
import { LEDGER_RUNS, type Tables, type Target } from '../names.js';
import { insertRanges } from './ranges.js';
import {
  NEWEST_RUN_COLUMN,
  RUN_COLUMNS as COLUMN_LIST,
  toRun,
  type Direction,
  type RangePlan,
  type RowsAtStartFrom,
  type RunRow,
  type RunStatus,
  type Walk,
} from './rows.js';

const RUN_COLUMNS = unsafeRaw(COLUMN_LIST);

/**
 * Whether `up` has created the ledger (with this state schema) as this version uses it: its
 * newest table and column included. A ledger an older version created, not yet brought up to
 * date by `up`, counts as absent: its rows cannot be read with this version's columns.
 */
export async function ledgerExists(db: Queryable, t: Pick<Tables, 'runs' | 'ranges' | 'movedRows' | 'controlLog'>): Promise<boolean> {
  const exists = sql`SELECT to_regclass(${t.runs}) IS NOT NULL AND to_regclass(${t.ranges}) IS NOT NULL AND to_regclass(${t.movedRows}) IS NOT NULL
            AND to_regclass(${t.controlLog}) IS NOT NULL
            AND EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass(${t.runs}) AND attname = ${NEWEST_RUN_COLUMN} AND NOT attisdropped) AS ok`;
  const { rows } = await db.query<{ ok: boolean }>(exists.text, exists.values);
  return rows[0]?.ok === true;
}

/** The runs table as `status` shows it: schema-qualified and unquoted, as a person types it in psql. */
export function runsTableLabel(stateSchema: string): string {
  return `${stateSchema}.${LEDGER_RUNS}`;
}

/** The run a new `backfill` would resume: not completed and not abandoned (at most one: a unique index). */
export async function findOpenRun(db: Queryable, t: Pick<Tables, 'runs'>, target: Target, direction: Direction): Promise<RunRow | null> {
  const open = sql`SELECT ${RUN_COLUMNS} FROM ${quoted(t.runs)}
      WHERE target_schema = ${target.schema} AND target_table = ${target.table} AND direction = ${direction}
        AND status IN ('running', 'interrupted', 'failed')`;
  const { rows } = await db.query(open.text, open.values);
  return rows[0] ? toRun(rows[0]) : null;
}

/** The target's most recent run, of `direction` or of either. */
export async function latestRun(db: Queryable, t: Pick<Tables, 'runs'>, target: Target, direction?: Direction): Promise<RunRow | null> {
  const of = param(direction ?? null);
  const latest = sql`SELECT ${RUN_COLUMNS} FROM ${quoted(t.runs)}
      WHERE target_schema = ${target.schema} AND target_table = ${target.table} AND (${of}::text IS NULL OR direction = ${of})
      ORDER BY id DESC LIMIT 1`;
  const { rows } = await db.query(latest.text, latest.values);
  return rows[0] ? toRun(rows[0]) : null;
}

/** The latest run of each direction, forward first. */
export async function latestRunPerDirection(db: Queryable, t: Pick<Tables, 'runs'>, target: Target): Promise<RunRow[]> {
  const latest = sql`SELECT DISTINCT ON (direction) ${RUN_COLUMNS} FROM ${quoted(t.runs)}
      WHERE target_schema = ${target.schema} AND target_table = ${target.table}
      ORDER BY direction, id DESC`;
  const { rows } = await db.query(latest.text, latest.values);
  return rows.map(toRun);
}

export async function readRun(db: Queryable, t: Pick<Tables, 'runs'>, runId: number): Promise<RunRow> {
  const run = sql`SELECT ${RUN_COLUMNS} FROM ${quoted(t.runs)} WHERE id = ${runId}`;
  const { rows } = await db.query(run.text, run.values);
  if (!rows[0]) throw new Error(`backfill run ${runId} vanished from the ledger`);
  return toRun(rows[0]);
}

/** The unique index on the open run of a table and direction (migrations/…_backfill-ledger.ts). */
const ONE_OPEN_RUN = 'backfill_runs_one_open';

/** Where a process runs and how it sizes its batches, as it records them on the runs it creates or claims. */
export interface RunClaimant {
  host: string;
  pid: number;
  /** --batch-size; null: sized by the controller's aim. */
  fixedBatchSize: number | null;
}

export interface NewRun extends Target, RunClaimant {
  direction: Direction;
  walk: Walk;
  rowsAtStartFrom: RowsAtStartFrom;
  ruleFingerprint: string;
  /** The settings it was started with, for a person reading the ledger. */
  options: Record<string, unknown>;
  /** The catalog's estimate of the table's rows (pg_class.reltuples). */
  rowsEstimated: number;
  /** The first pass's ranges; none for a run that starts by counting (it follows a completed run). */
  ranges: readonly RangePlan[];
}

/**
 * Creates a run and its first-pass ranges. Called inside a transaction (the backfill's setup,
 * which holds the setup lock), so the run never exists without its ranges. The run's start is
 * recorded as max_created_at_at_start, to the millisecond (what a JavaScript Date holds
 * exactly): rows created after it were inserted since. table_rows_at_start — the rows created
 * before it — is left for the run's first walk of the table to count (no statement reads the
 * whole table).
 */
export async function createRun(db: Queryable, t: Pick<Tables, 'runs' | 'ranges'>, run: NewRun): Promise<RunRow> {
  try {
    const insert = sql`INSERT INTO ${quoted(t.runs)}
         (direction, status, rule_fingerprint, target_schema, target_table, options, host, pid, max_created_at_at_start, rows_estimated,
          walk, rows_at_start_from, fixed_batch_size)
       VALUES (${run.direction}, 'running', ${run.ruleFingerprint}, ${run.schema}, ${run.table}, ${JSON.stringify(run.options)}::jsonb, ${run.host}, ${run.pid},
               date_trunc('milliseconds', now()), ${run.rowsEstimated}, ${run.walk}, ${run.rowsAtStartFrom}, ${run.fixedBatchSize})
       RETURNING ${RUN_COLUMNS}`;
    const { rows } = await db.query(insert.text, insert.values);
    const created = toRun(rows[0]!);
    if (run.ranges.length > 0) await insertRanges(db, t, created.id, 0, run.ranges);
    return created;
  } catch (error) {
    // The unique index allows one open run per table and direction: the one guard between two
    // runs that no pooler can defeat, when the run lock between them did not hold.
    if (sqlState(error) === SQLSTATE.uniqueViolation && (error as { constraint?: string }).constraint === ONE_OPEN_RUN) {
      throw new AlreadyRunningError(`another backfill of ${run.schema}.${run.table} created its run at the same moment`, {
        hint: 'Two backfills started together and the run lock did not keep one out (behind a transaction-mode pooler with --pooler-ok it may not). Let the other one finish, or run the command again to join or resume its run.',
        cause: error,
      });
    }
    throw error;
  }
}

/** Marks the run as this process's: status running, our host, pid and batch sizing. */
export async function claimRun(db: Queryable, t: Pick<Tables, 'runs'>, runId: number, by: RunClaimant): Promise<void> {
  const claim = sql`UPDATE ${quoted(t.runs)} SET status = 'running', host = ${by.host}, pid = ${by.pid}, fixed_batch_size = ${by.fixedBatchSize},
         updated_at = now(), finished_at = NULL, last_error = NULL
      WHERE id = ${runId}`;
  await db.query(claim.text, claim.values);
}

/** The rows created before the run began, counted by a walk of the whole table. */
export async function recordRowsAtStart(db: Queryable, t: Pick<Tables, 'runs'>, runId: number, rows: number): Promise<void> {
  const record = sql`UPDATE ${quoted(t.runs)} SET table_rows_at_start = ${rows}, updated_at = now() WHERE id = ${runId}`;
  await db.query(record.text, record.values);
}

export async function abandonRun(db: Queryable, t: Pick<Tables, 'runs'>, runId: number, reason: string): Promise<void> {
  const abandon = sql`UPDATE ${quoted(t.runs)} SET status = 'abandoned', finished_at = now(), updated_at = now(), last_error = ${reason}
      WHERE id = ${runId}`;
  await db.query(abandon.text, abandon.values);
}

export interface RunEnding {
  status: Exclude<RunStatus, 'running' | 'abandoned'>;
  unconvergedRows?: number | null;
  unreversibleRows?: number | null;
  lastError?: string | null;
}

export async function finishRun(db: Queryable, t: Pick<Tables, 'runs'>, runId: number, ending: RunEnding): Promise<void> {
  const status = param(ending.status);
  const finish = sql`UPDATE ${quoted(t.runs)}
        SET status = ${status}, finished_at = CASE WHEN ${status} = 'completed' THEN now() END, updated_at = now(),
            unconverged_rows = COALESCE(${ending.unconvergedRows ?? null}, unconverged_rows), last_error = ${ending.lastError ?? null},
            unreversible_rows = COALESCE(${ending.unreversibleRows ?? null}, unreversible_rows)
      WHERE id = ${runId}`;
  await db.query(finish.text, finish.values);
}
