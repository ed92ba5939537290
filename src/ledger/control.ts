/**
 * A run's control: its state (running, paused, cancel_requested) and throttle overrides, kept in
 * named columns of backfill_runs, and the log of who changed them. Every lane of every process
 * reads the control row before each batch (one primary-key read, outside any transaction);
 * `pause`, `resume`, `cancel` and `throttle` write it, each change with its log row in one
 * transaction.
 */
import type { Queryable } from '../db/port.js';
import type { DbRow } from '../db/row.js';
import { quoted, sql, type Sql } from '../db/sql.js';
import { withTransaction } from '../db/transaction.js';
import type { Tables } from '../names.js';

export const CONTROL_STATES = ['running', 'paused', 'cancel_requested'] as const;
export type ControlState = (typeof CONTROL_STATES)[number];

/** What the lanes obey. A null override means: the value the process was started with. */
export interface RunControl {
  state: ControlState;
  maxRowsPerSecond: number | null;
  targetBatchMs: number | null;
}

export const NO_CONTROL: RunControl = { state: 'running', maxRowsPerSecond: null, targetBatchMs: null };

/** `cancel_cleared`: the next `backfill` of a cancelled run took the request back (it resumes). */
export type ControlCommand = 'pause' | 'resume' | 'cancel' | 'throttle' | 'cancel_cleared';

export interface ControlEntry {
  runId: number;
  at: Date;
  /** The database role that issued it. */
  role: string;
  /** Where the issuing process says it ran. */
  host: string | null;
  pid: number | null;
  clientAddr: string | null;
  command: ControlCommand;
  /** The run's control after the command. */
  control: RunControl;
}

/** Who issues a command: recorded with it. */
export interface Issuer {
  host: string;
  pid: number;
}

function toControl(row: DbRow): RunControl {
  return {
    state: row.control_state,
    maxRowsPerSecond: row.max_rows_per_second === null ? null : Number(row.max_rows_per_second),
    targetBatchMs: row.target_batch_ms === null ? null : Number(row.target_batch_ms),
  };
}

/** The control row of a run (no transaction, no lock); a lane reads it before each step with readControlWith. */
export async function readControl(db: Queryable, t: Pick<Tables, 'runs'>, runId: number): Promise<RunControl> {
  return (await readControlWith(db, t, runId, sql`NULL`)).control;
}

/**
 * The control row of a run and, in the same statement, the value of `also` (a scalar
 * expression of the caller's: the gate reads the standbys with it), so that a lane's look before
 * each batch is one round trip.
 */
export async function readControlWith(
  db: Queryable,
  t: Pick<Tables, 'runs'>,
  runId: number,
  also: Sql,
): Promise<{ control: RunControl; also: unknown }> {
  const control = sql`SELECT control_state, max_rows_per_second, target_batch_ms, ${also} AS also FROM ${quoted(t.runs)} WHERE id = ${runId}`;
  const { rows } = await db.query(control.text, control.values);
  if (!rows[0]) throw new Error(`backfill run ${runId} vanished from the ledger`);
  return { control: toControl(rows[0]), also: rows[0].also };
}

const LOG_INSERT = (t: Pick<Tables, 'controlLog'>): Sql =>
  sql`INSERT INTO ${quoted(t.controlLog)} (run_id, host, pid, command, control_state, max_rows_per_second, target_batch_ms)`;

/**
 * Changes a run's control with `change` (a pure function of the control as it is, under the
 * row's lock) and logs it, in one transaction. `change` returns null to change nothing (and log
 * nothing). Returns the control before and after.
 */
export async function changeControl(
  db: Queryable,
  t: Pick<Tables, 'runs' | 'controlLog'>,
  runId: number,
  command: Exclude<ControlCommand, 'cancel_cleared'>,
  issuer: Issuer,
  change: (current: RunControl) => RunControl | null,
): Promise<{ before: RunControl; after: RunControl; changed: boolean }> {
  return withTransaction(db, async (tx) => {
    const current = sql`SELECT control_state, max_rows_per_second, target_batch_ms FROM ${quoted(t.runs)} WHERE id = ${runId} FOR NO KEY UPDATE`;
    const { rows } = await tx.query(current.text, current.values);
    if (!rows[0]) throw new Error(`backfill run ${runId} vanished from the ledger`);
    const before = toControl(rows[0]);
    const after = change(before);
    if (after === null) return { before, after: before, changed: false };
    const update = sql`UPDATE ${quoted(t.runs)}
        SET control_state = ${after.state}, max_rows_per_second = ${after.maxRowsPerSecond}, target_batch_ms = ${after.targetBatchMs},
            control_changed_at = now()
      WHERE id = ${runId}`;
    await tx.query(update.text, update.values);
    const log = sql`${LOG_INSERT(t)}
      VALUES (${runId}, ${issuer.host}, ${issuer.pid}, ${command}, ${after.state}, ${after.maxRowsPerSecond}, ${after.targetBatchMs})`;
    await tx.query(log.text, log.values);
    return { before, after, changed: true };
  });
}

/**
 * A `backfill` that resumes a cancelled run takes the cancel request back (and logs that), so
 * its lanes work; a pause and the throttle overrides stay. True when there was one.
 */
export async function clearCancel(db: Queryable, t: Pick<Tables, 'runs' | 'controlLog'>, runId: number, issuer: Issuer): Promise<boolean> {
  const clear = sql`WITH cleared AS (
       UPDATE ${quoted(t.runs)} SET control_state = 'running', control_changed_at = now()
        WHERE id = ${runId} AND control_state = 'cancel_requested'
       RETURNING id, control_state, max_rows_per_second, target_batch_ms
     )
     ${LOG_INSERT(t)}
     SELECT id, ${issuer.host}, ${issuer.pid}, 'cancel_cleared', control_state, max_rows_per_second, target_batch_ms FROM cleared
     RETURNING run_id`;
  const { rows } = await db.query(clear.text, clear.values);
  return rows.length > 0;
}

/** The run's control log, newest first. */
export async function controlLog(db: Queryable, t: Pick<Tables, 'controlLog'>, runId: number, limit = 10): Promise<ControlEntry[]> {
  const log = sql`SELECT run_id, at, role, host, pid, host(client_addr) AS client_addr, command, control_state, max_rows_per_second, target_batch_ms
       FROM ${quoted(t.controlLog)} WHERE run_id = ${runId} ORDER BY id DESC LIMIT ${limit}`;
  const { rows } = await db.query(log.text, log.values);
  return rows.map((row) => ({
    runId: Number(row.run_id),
    at: row.at,
    role: row.role,
    host: row.host,
    pid: row.pid,
    clientAddr: row.client_addr,
    command: row.command,
    control: toControl(row),
  }));
}

/** Whether `up` has created the control columns and log (an older ledger has neither). */
export async function controlExists(db: Queryable, t: Pick<Tables, 'controlLog'>): Promise<boolean> {
  const exists = sql`SELECT to_regclass(${t.controlLog}) IS NOT NULL AS ok`;
  const { rows } = await db.query<{ ok: boolean }>(exists.text, exists.values);
  return rows[0]?.ok === true;
}
