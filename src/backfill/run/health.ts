/**
 * What PostgreSQL says about its own health, for the throttle: replication replay lag and
 * sessions waiting on the backfill's locks. Reading these needs no privilege beyond
 * pg_monitor for the lag of replicas connected as another role (without it the columns read
 * NULL, and the lag check is skipped rather than guessed).
 */
import type { Queryable } from '../../db/port.js';

/** application_name of every backfill session (single runner and workers). */
export const BACKFILL_APPLICATION_NAME = 'aibridge-migrate backfill';

/**
 * Largest replay lag over the connected replicas, in ms; null without replicas. replay_lag is
 * NULL for a replica that has caught up and seen no new WAL for a while: that is no lag.
 */
export const REPLICATION_LAG_SQL = `SELECT CASE WHEN count(*) = 0 THEN NULL
         ELSE COALESCE(max(EXTRACT(epoch FROM r.replay_lag)) * 1000, 0) END::float8 AS lag_ms
    FROM pg_stat_replication AS r`;

/**
 * Sessions waiting on a lock this session holds. Run inside the batch's transaction, after its
 * update: that is when the batch's row locks are held, and an application write queued
 * behind them is visible here (between batches the runner holds no row lock at all).
 *
 * Other backfill sessions are not counted: parallel workers briefly queue on the run's ledger
 * row, which every batch updates, and backing off from our own workers would only slow the run.
 */
export const BLOCKED_BY_ME_SQL = `SELECT count(*)::int AS blocked
    FROM pg_stat_activity AS a
   WHERE a.pid <> pg_backend_pid() AND a.wait_event_type = 'Lock'
     AND a.application_name IS DISTINCT FROM $1
     AND pg_backend_pid() = ANY (pg_blocking_pids(a.pid))`;

export async function replicationLagMs(db: Queryable): Promise<number | null> {
  const { rows } = await db.query<{ lag_ms: number | null }>(REPLICATION_LAG_SQL);
  const value = rows[0]?.lag_ms;
  return value === null || value === undefined ? null : Number(value);
}

export async function sessionsBlockedByMe(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ blocked: number }>(BLOCKED_BY_ME_SQL, [BACKFILL_APPLICATION_NAME]);
  return Number(rows[0]?.blocked ?? 0);
}
