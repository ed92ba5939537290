/**
 * One runner at a time: a session-level advisory lock, held for the whole run on the runner's
 * connection. It blocks no application query (advisory locks only conflict with each other),
 * and PostgreSQL releases it when the session ends, so a killed runner never leaves it behind.
 */
import { AlreadyRunningError } from '../errors.js';
import type { Clock, Sleep } from './deps.js';
import { findOpenRun, type Queryable, type Target } from './ledger.js';
import { LOCK_KEY_SQL, type TableNames } from './sql.js';

export async function runnerLockKey(db: Queryable, stateSchema: string, usages: string): Promise<string> {
  const { rows } = await db.query<{ key: string }>(LOCK_KEY_SQL, [stateSchema, usages]);
  return String(rows[0]!.key);
}

export async function tryRunnerLock(db: Queryable, key: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
  return rows[0]!.ok === true;
}

export async function releaseRunnerLock(db: Queryable, key: string): Promise<void> {
  await db.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
}

export interface LockHolder {
  /** Backend pid of the session holding the lock, from pg_locks. */
  backendPid: number | null;
  clientAddr: string | null;
  applicationName: string | null;
  backendStart: Date | null;
  /** From the ledger's open run: where the runner process says it runs. */
  runId: number | null;
  host: string | null;
  pid: number | null;
  runStartedAt: Date | null;
  runUpdatedAt: Date | null;
}

/**
 * Who holds the lock. A bigint advisory key appears in pg_locks split in two: classid = the
 * high 32 bits, objid = the low 32 bits, objsubid = 1.
 */
export async function describeHolder(db: Queryable, key: string, names: TableNames, target: Target): Promise<LockHolder> {
  const { rows } = await db.query(
    `SELECT a.pid, a.client_addr::text AS client_addr, a.application_name, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = (($1::bigint >> 32) & 4294967295)::oid AND l.objid = ($1::bigint & 4294967295)::oid
      LIMIT 1`,
    [key],
  );
  const session = rows[0];
  const run = await findOpenRun(db, names, target).catch(() => null);
  return {
    backendPid: session?.pid ?? null,
    clientAddr: session?.client_addr ?? null,
    applicationName: session?.application_name ?? null,
    backendStart: session?.backend_start ?? null,
    runId: run?.id ?? null,
    host: run?.host ?? null,
    pid: run?.pid ?? null,
    runStartedAt: run?.startedAt ?? null,
    runUpdatedAt: run?.updatedAt ?? null,
  };
}

export function holderMessage(holder: LockHolder): string {
  const parts: string[] = [];
  if (holder.runId !== null) {
    parts.push(`run #${holder.runId}${holder.host !== null || holder.pid !== null ? ` on host ${holder.host ?? '?'} pid ${holder.pid ?? '?'}` : ''}`);
    if (holder.runStartedAt) parts.push(`started ${holder.runStartedAt.toISOString()}`);
    if (holder.runUpdatedAt) parts.push(`last checkpoint ${holder.runUpdatedAt.toISOString()}`);
  }
  if (holder.backendPid !== null) {
    parts.push(
      `database session pid ${holder.backendPid}${holder.clientAddr ? ` from ${holder.clientAddr}` : ''}${holder.backendStart ? ` connected since ${holder.backendStart.toISOString()}` : ''}`,
    );
  }
  return parts.length > 0 ? parts.join(', ') : 'an unidentified session';
}

export interface AcquireOptions {
  wait: boolean;
  signal: AbortSignal;
  clock: Clock;
  sleep: Sleep;
  /** Called once when --wait starts waiting. */
  onWait?: (holder: LockHolder) => void;
  pollMs?: number;
}

/**
 * Takes the runner lock, or fails at once naming the holder; with `wait`, polls until it is
 * free (polling rather than pg_advisory_lock so Ctrl-C is honoured while waiting).
 */
export async function acquireRunnerLock(db: Queryable, key: string, names: TableNames, target: Target, options: AcquireOptions): Promise<void> {
  if (await tryRunnerLock(db, key)) return;
  const holder = await describeHolder(db, key, names, target);
  if (!options.wait) {
    throw new AlreadyRunningError(`another backfill of ${target.schema}.${target.table} is running: ${holderMessage(holder)}`, {
      hint: 'Wait for it to finish, or pass --wait to start as soon as it does. If that process is gone, its database session ends with it and the lock is released.',
      details: { holder },
    });
  }
  options.onWait?.(holder);
  for (;;) {
    await options.sleep(options.pollMs ?? 1_000, options.signal);
    if (options.signal.aborted) return;
    if (await tryRunnerLock(db, key)) return;
  }
}
