/**
 * What PostgreSQL says about its own health, for the throttle: each standby's replication lag,
 * replication slots no standby streams from, and sessions waiting on the backfill's locks.
 * Reading these needs no privilege beyond pg_monitor for the lag of standbys connected as
 * another role (without it the columns read NULL: the lag check is skipped rather than guessed,
 * and the gate says so once).
 */
import type { Queryable } from '../../db/port.js';
import { sql } from '../../db/sql.js';
import type { SlotSample, StandbySample } from '../policy/replica-watch.js';
import type { StandbyReport } from '../policy/standby-reports.js';

/** application_name of every backfill session (single runner and workers). */
export const BACKFILL_APPLICATION_NAME = 'aibridge-migrate backfill';

/**
 * Every standby connected to this primary, with two measures of its lag:
 * - replay_lag: time, as PostgreSQL's walsender measures it from the standby's status reports.
 *   NULL once the standby has replayed everything and no WAL has come for a while, and stale
 *   (its last value) between reports; after a reconnection it counts from when WAL was sent,
 *   not written, so it reads small for a standby replaying a backlog.
 * - lag_bytes: pg_current_wal_lsn() − replay_lsn, the WAL the primary has that the standby's
 *   readers do not see yet. From the primary's current position, not sent_lsn: a standby whose
 *   walsender has not sent it everything yet (a backlog after a reconnection, a slow link) is
 *   behind by all of it; sent_lsn − replay_lsn would only count what is in flight. (A standby
 *   with replay paused keeps receiving, so there both read the same.)
 * Both are as of the standby's latest status report (reply_time); its flush and replay positions
 * tell whether it keeps up from one report to the next (standby-reports.ts). The slot is the
 * one the standby streams from (its walsender's pid is the slot's active_pid). On a server in
 * recovery (a cascading standby) there is no current WAL position to measure from.
 */
const STANDBYS = sql`SELECT r.pid, r.application_name, r.state IS NOT NULL AS visible,
       (EXTRACT(epoch FROM r.replay_lag) * 1000)::float8 AS replay_lag_ms,
       CASE WHEN NOT pg_is_in_recovery() THEN pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn) END::float8 AS lag_bytes,
       r.reply_time::text AS reply_time,
       pg_wal_lsn_diff(r.flush_lsn, '0/0')::float8 AS flush_position,
       pg_wal_lsn_diff(r.replay_lsn, '0/0')::float8 AS replay_position,
       s.slot_name::text AS slot_name
  FROM pg_stat_replication AS r
  LEFT JOIN pg_replication_slots AS s ON s.active_pid = r.pid
 ORDER BY r.application_name, r.pid`;

/** Replication slots, whether a session streams from each, and the WAL each keeps on this server. */
export const SLOTS_SQL = `SELECT s.slot_name::text AS slot_name, s.slot_type, s.active,
       CASE WHEN NOT pg_is_in_recovery() THEN pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn) END::float8 AS retained_bytes
  FROM pg_replication_slots AS s
 ORDER BY s.slot_name`;

/**
 * Sessions waiting on a lock this session holds, as a scalar expression: a step reads it in its
 * ledger write (walker.ts), after its update — that is when its row locks are held, and an
 * application write queued behind them is visible here (between steps the runner holds no row
 * lock at all).
 *
 * Other backfill sessions are not counted: parallel workers briefly queue on the run's ledger
 * row, which every batch updates, and backing off from our own workers would only slow the run.
 */
export const BLOCKED_BY_ME = sql`(SELECT count(*)::int
    FROM pg_stat_activity AS a
   WHERE a.pid <> pg_backend_pid() AND a.wait_event_type = 'Lock'
     AND a.application_name IS DISTINCT FROM ${BACKFILL_APPLICATION_NAME}
     AND pg_backend_pid() = ANY (pg_blocking_pids(a.pid)))`;

const orNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** A standby as one look at pg_stat_replication shows it. */
export interface StandbyRow extends StandbySample, StandbyReport {
  replayLagMs: number | null;
  lagBytes: number | null;
}

/** The standbys as one JSON array, ordered as STANDBYS orders them: a column of the gate's look before each step (gate.ts). */
export const STANDBYS_JSON = sql`(SELECT COALESCE(json_agg(s ORDER BY s.application_name, s.pid), '[]'::json) FROM (${STANDBYS}) AS s)`;

interface StandbyColumns {
  pid: number;
  application_name: string;
  visible: boolean;
  replay_lag_ms: number | null;
  lag_bytes: number | null;
  reply_time: string | null;
  flush_position: number | null;
  replay_position: number | null;
  slot_name: string | null;
}

/** STANDBYS_JSON's value as the throttle reads it. */
export function standbysOf(json: unknown): StandbyRow[] {
  return (json as StandbyColumns[]).map((r) => ({
    pid: Number(r.pid),
    applicationName: r.application_name,
    replayLagMs: orNull(r.replay_lag_ms),
    lagBytes: orNull(r.lag_bytes),
    replyTime: r.reply_time,
    flushPosition: orNull(r.flush_position),
    replayPosition: orNull(r.replay_position),
    slotName: r.slot_name,
    visible: r.visible,
  }));
}

export async function replicationSlots(db: Queryable): Promise<SlotSample[]> {
  const { rows } = await db.query<{ slot_name: string; slot_type: string; active: boolean; retained_bytes: number | null }>(SLOTS_SQL);
  return rows.map((r) => ({ slotName: r.slot_name, slotType: r.slot_type, active: r.active, retainedBytes: orNull(r.retained_bytes) }));
}
