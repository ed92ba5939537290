/**
 * Who is in the way when a lock is not granted.
 *
 * Asked right after the lock timeout fired, from the lock graph of the contended object, on
 * the same connection. Not pg_blocking_pids(our pid): once lock_timeout cancels our statement
 * we are no longer waiting, so it returns nothing; calling it while we wait would need a
 * second connection and a poll that can miss short waits. The lock graph answers reliably
 * instead: ACCESS EXCLUSIVE (ALTER TABLE, DROP COLUMN) conflicts with every lock mode, so every
 * other session that holds, or queues for, any lock on the table stands in front of us — and
 * that is exactly what the next attempt will meet. A holder that finished in between is simply
 * absent, which is the truth at that moment.
 */
import { qualify } from '../db/identifier.js';
import { advisoryLockParts, type QueryFn } from './bookkeeping.js';

export interface Blocker {
  pid: number;
  user: string | null;
  applicationName: string;
  clientAddr: string | null;
  /** pg_stat_activity.state: active, idle in transaction, … */
  state: string | null;
  /** How long its transaction has been open, ms (null: none open). */
  xactAgeMs: number | null;
  /** How long it has been in its current state, ms. */
  stateAgeMs: number | null;
  /** Lock modes it holds (or waits for) on the object. */
  modes: string[];
  /** false: it is itself queued, ahead of us. */
  granted: boolean;
}

interface BlockerRow {
  pid: number;
  usename: string | null;
  application_name: string | null;
  client_addr: string | null;
  state: string | null;
  xact_age_ms: number | null;
  state_age_ms: number | null;
  modes: string[];
  granted: boolean;
}

const ACTIVITY_COLUMNS = `a.pid, a.usename::text, a.application_name, host(a.client_addr) AS client_addr, a.state,
       (extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::float8 AS xact_age_ms,
       (extract(epoch FROM clock_timestamp() - a.state_change) * 1000)::float8 AS state_age_ms,
       array_agg(DISTINCT l.mode ORDER BY l.mode) AS modes, bool_and(l.granted) AS granted`;

function toBlocker(row: BlockerRow): Blocker {
  return {
    pid: row.pid,
    user: row.usename,
    applicationName: row.application_name ?? '',
    clientAddr: row.client_addr,
    state: row.state,
    xactAgeMs: row.xact_age_ms === null ? null : Math.round(row.xact_age_ms),
    stateAgeMs: row.state_age_ms === null ? null : Math.round(row.state_age_ms),
    modes: row.modes,
    granted: row.granted,
  };
}

/** Other sessions holding or awaiting a lock on `schema.table`. */
export async function tableLockHolders(query: QueryFn, schema: string, table: string): Promise<Blocker[]> {
  const { rows } = await query<BlockerRow>(
    `SELECT ${ACTIVITY_COLUMNS}
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'relation'
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.relation = to_regclass($1)
        AND l.pid <> pg_backend_pid()
      GROUP BY a.pid, a.usename, a.application_name, a.client_addr, a.state, a.xact_start, a.state_change
      ORDER BY bool_and(l.granted) DESC, a.xact_start NULLS LAST`,
    [qualify(schema, table)],
  );
  return rows.map(toBlocker);
}

/** The session holding the toolkit's migration lock (another `up` or `down`). */
export async function migrationLockHolders(query: QueryFn): Promise<Blocker[]> {
  const { classid, objid } = advisoryLockParts();
  const { rows } = await query<BlockerRow>(
    `SELECT ${ACTIVITY_COLUMNS}
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1
        AND l.pid <> pg_backend_pid()
      GROUP BY a.pid, a.usename, a.application_name, a.client_addr, a.state, a.xact_start, a.state_change`,
    [classid, objid],
  );
  return rows.map(toBlocker);
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** One line per blocker, for logs and error messages. */
export function describeBlocker(b: Blocker): string {
  const who = [`pid ${b.pid}`, `application_name '${b.applicationName}'`];
  if (b.user) who.push(`user ${b.user}`);
  if (b.clientAddr) who.push(`from ${b.clientAddr}`);
  const what = [b.state ? `${b.state}${b.stateAgeMs !== null ? ` for ${seconds(b.stateAgeMs)}` : ''}` : 'state unknown'];
  if (b.xactAgeMs !== null) what.push(`transaction open ${seconds(b.xactAgeMs)}`);
  what.push(`${b.granted ? 'holds' : 'is queued for'} ${b.modes.join(', ')}`);
  return `${who.join(', ')}: ${what.join(', ')}`;
}

export function describeBlockers(blockers: readonly Blocker[]): string {
  if (blockers.length === 0) return 'the holder had already gone when we looked';
  return blockers.map(describeBlocker).join('; ');
}
