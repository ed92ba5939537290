/**
 * What a running backfill is waiting for (backfill_runs.waiting_*): written by the throttle
 * gate when the run pauses for a health reason and cleared when it goes on, read by `status`.
 * Each write is one autocommit UPDATE between batches, never inside a batch's transaction, so
 * a run that waits holds no transaction open. A ledger created before these columns (the
 * toolkit upgraded, `up` not run yet) has none: the gate then records nothing and `status`
 * shows no wait.
 */
import type { Queryable } from '../db/port.js';
import { param, quoted, sql, type Sql } from '../db/sql.js';
import type { Tables } from '../names.js';

export interface RunWait {
  /** The throttle's pause cause ('replication_lag', 'blocked_sessions'). */
  cause: string;
  /** The pause's reason for people. */
  detail: string;
  /** replication_lag: the standby's application_name and its lag as measured. */
  standby: string | null;
  replayLagMs: number | null;
  lagBytes: number | null;
}

export interface RecordedWait extends RunWait {
  /** When the run began waiting for this cause. */
  since: Date;
  /** When the lag figures were read. */
  measuredAt: Date;
}

/** Whether the ledger has the waiting_* columns (its migration has been applied). */
export async function ledgerRecordsWaits(db: Queryable, t: Pick<Tables, 'runs'>): Promise<boolean> {
  const columns = sql`SELECT EXISTS (SELECT 1 FROM pg_attribute
                     WHERE attrelid = to_regclass(${t.runs}) AND attname = 'waiting_cause' AND NOT attisdropped) AS ok`;
  const { rows } = await db.query<{ ok: boolean }>(columns.text, columns.values);
  return rows[0]?.ok === true;
}

/**
 * Records the run's wait, or clears it (null). False when the run's row was locked (another
 * lane's batch is committing its checkpoint there): the write is skipped rather than queued
 * behind that batch, and the caller tries again at its next look. waiting_since is kept while
 * the cause stays the same (the measurement is refreshed); updated_at is left alone: it is the
 * last checkpoint.
 */
export async function recordRunWait(db: Queryable, t: Pick<Tables, 'runs'>, runId: number, wait: RunWait | null): Promise<boolean> {
  const write = waitWrite(quoted(t.runs), runId, wait);
  const { rows } = await db.query<{ locked: number }>(write.text, write.values);
  return Number(rows[0]?.locked ?? 0) > 0;
}

/** The statement of recordRunWait: the row locked if free, its wait written or cleared, how many rows it locked. */
function waitWrite(runs: Sql, runId: number, wait: RunWait | null): Sql {
  const target = sql`target AS (SELECT id FROM ${runs} WHERE id = ${runId} FOR UPDATE SKIP LOCKED)`;
  if (wait === null) {
    return sql`WITH ${target},
                cleared AS (
                  UPDATE ${runs} AS r
                     SET waiting_cause = NULL, waiting_detail = NULL, waiting_since = NULL, waiting_standby = NULL,
                         waiting_replay_lag_ms = NULL, waiting_lag_bytes = NULL, waiting_measured_at = NULL
                    FROM target WHERE r.id = target.id AND r.waiting_cause IS NOT NULL)
           SELECT count(*)::int AS locked FROM target`;
  }
  const cause = param(wait.cause);
  return sql`WITH ${target},
                recorded AS (
                  UPDATE ${runs} AS r
                     SET waiting_since = CASE WHEN r.waiting_cause IS NOT DISTINCT FROM ${cause} THEN COALESCE(r.waiting_since, now()) ELSE now() END,
                         waiting_cause = ${cause}, waiting_detail = ${wait.detail}, waiting_standby = ${wait.standby},
                         waiting_replay_lag_ms = ${wait.replayLagMs === null ? null : Math.round(wait.replayLagMs)},
                         waiting_lag_bytes = ${wait.lagBytes === null ? null : Math.round(wait.lagBytes)}, waiting_measured_at = now()
                    FROM target WHERE r.id = target.id)
           SELECT count(*)::int AS locked FROM target`;
}

/** The run's recorded wait; null when it is not waiting or the ledger has no such columns. */
export async function readRunWait(db: Queryable, t: Pick<Tables, 'runs'>, runId: number): Promise<RecordedWait | null> {
  if (!(await ledgerRecordsWaits(db, t))) return null;
  const read = sql`SELECT waiting_cause, waiting_detail, waiting_since, waiting_standby, waiting_replay_lag_ms, waiting_lag_bytes, waiting_measured_at
       FROM ${quoted(t.runs)} WHERE id = ${runId} AND waiting_cause IS NOT NULL`;
  const { rows } = await db.query(read.text, read.values);
  const row = rows[0];
  if (!row) return null;
  const count = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    cause: row.waiting_cause,
    detail: row.waiting_detail ?? '',
    since: row.waiting_since,
    standby: row.waiting_standby ?? null,
    replayLagMs: count(row.waiting_replay_lag_ms),
    lagBytes: count(row.waiting_lag_bytes),
    measuredAt: row.waiting_measured_at,
  };
}
