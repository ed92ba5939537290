/**
 * Who holds (or queues for) a lock, for messages that name the session in the way: its pid,
 * application, client, state and how long its transaction has been open. Read from the lock
 * graph (pg_locks joined to pg_stat_activity), which needs no privilege for sessions of the
 * same role and shows the others with NULL details.
 */
import { pgLocksKeyCondition, type AdvisoryKey } from './advisory-lock.js';
import { formatSeconds } from '../text/format.js';
import type { Queryable } from './port.js';
import { sql, type Sql } from './sql.js';

export interface LockHolder {
  pid: number;
  user: string | null;
  applicationName: string;
  clientAddr: string | null;
  /** When the session connected. */
  backendStart: Date | null;
  /** pg_stat_activity.state: active, idle in transaction, … */
  state: string | null;
  /** How long its transaction has been open, ms (null: none open). */
  xactAgeMs: number | null;
  /** How long it has been in its current state, ms. */
  stateAgeMs: number | null;
  /** Lock modes it holds (or waits for) on the object. */
  modes: string[];
  /** false: it is itself queued. */
  granted: boolean;
}

interface HolderRow {
  pid: number;
  usename: string | null;
  application_name: string | null;
  client_addr: string | null;
  backend_start: Date | null;
  state: string | null;
  xact_age_ms: number | null;
  state_age_ms: number | null;
  modes: string[];
  granted: boolean;
}

/** `ownSession`: also the session the query runs on (behind a pooler, it may be the holder). */
function holdersSql(condition: Sql, ownSession = false): Sql {
  return sql`SELECT a.pid, a.usename::text, a.application_name, host(a.client_addr) AS client_addr, a.backend_start, a.state,
         (extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::float8 AS xact_age_ms,
         (extract(epoch FROM clock_timestamp() - a.state_change) * 1000)::float8 AS state_age_ms,
         array_agg(DISTINCT l.mode ORDER BY l.mode) AS modes, bool_and(l.granted) AS granted
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE ${condition}${ownSession ? sql`` : sql` AND l.pid <> pg_backend_pid()`}
   GROUP BY a.pid, a.usename, a.application_name, a.client_addr, a.backend_start, a.state, a.xact_start, a.state_change
   ORDER BY bool_and(l.granted) DESC, a.xact_start NULLS LAST, a.pid`;
}

function toHolder(row: HolderRow): LockHolder {
  return {
    pid: row.pid,
    user: row.usename,
    applicationName: row.application_name ?? '',
    clientAddr: row.client_addr,
    backendStart: row.backend_start,
    state: row.state,
    xactAgeMs: row.xact_age_ms === null ? null : Math.round(row.xact_age_ms),
    stateAgeMs: row.state_age_ms === null ? null : Math.round(row.state_age_ms),
    modes: row.modes,
    granted: row.granted,
  };
}

/** Other sessions holding or awaiting a lock on the relation `qualifiedName` (already quoted). */
export async function relationLockHolders(db: Queryable, qualifiedName: string): Promise<LockHolder[]> {
  const holders = holdersSql(sql`l.locktype = 'relation'
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.relation = to_regclass(${qualifiedName})`);
  const { rows } = await db.query<HolderRow>(holders.text, holders.values);
  return rows.map(toHolder);
}

/**
 * Other sessions holding (granted) the advisory lock `key`, in any mode; with `ownSession`,
 * the session the query runs on too.
 */
export async function advisoryLockHolders(db: Queryable, key: AdvisoryKey, options: { ownSession?: boolean } = {}): Promise<LockHolder[]> {
  const holders = holdersSql(sql`${pgLocksKeyCondition(key)} AND l.granted`, options.ownSession);
  const { rows } = await db.query<HolderRow>(holders.text, holders.values);
  return rows.map(toHolder);
}

/**
 * Of the advisory locks named `names` (hashtextextended keys), which are held, and by which
 * session: one query however many names (e.g. every range of a run).
 */
export async function advisoryLockOwners(db: Queryable, names: readonly string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const owners = sql`SELECT n.name, l.pid
       FROM unnest(${names}::text[]) AS n(name)
       CROSS JOIN LATERAL (SELECT hashtextextended(n.name, 0) AS key) AS k
       JOIN pg_locks l ON l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = ((k.key >> 32) & 4294967295)::oid AND l.objid = (k.key & 4294967295)::oid`;
  const { rows } = await db.query<{ name: string; pid: number }>(owners.text, owners.values);
  return new Map(rows.map((r) => [r.name, Number(r.pid)]));
}

/** One line per holder, for logs and error messages. */
export function describeLockHolder(b: LockHolder): string {
  const who = [`pid ${b.pid}`, `application_name '${b.applicationName}'`];
  if (b.user) who.push(`user ${b.user}`);
  if (b.clientAddr) who.push(`from ${b.clientAddr}`);
  const what = [b.state ? `${b.state}${b.stateAgeMs !== null ? ` for ${formatSeconds(b.stateAgeMs)}` : ''}` : 'state unknown'];
  if (b.xactAgeMs !== null) what.push(`transaction open ${formatSeconds(b.xactAgeMs)}`);
  what.push(`${b.granted ? 'holds' : 'is queued for'} ${b.modes.join(', ')}`);
  return `${who.join(', ')}: ${what.join(', ')}`;
}

export function describeLockHolders(holders: readonly LockHolder[]): string {
  if (holders.length === 0) return 'the holder had already gone when we looked';
  return holders.map(describeLockHolder).join('; ');
}
