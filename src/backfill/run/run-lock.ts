/**
 * The run lock: a session-level advisory lock on "the backfill of this table, tracked in this
 * state schema", held for the whole run, so two runs cannot work one table. It blocks no
 * application query, and PostgreSQL releases it with the session.
 */
import { AlreadyRunningError } from '../../errors.js';
import { APPLICATION_NAME } from '../../db/connect.js';
import { formatSeconds } from '../../text/format.js';
import { tryAdvisoryLock, waitForAdvisoryLock, type LockMode } from '../../db/advisory-lock.js';
import { advisoryLockHolders, type LockHolder } from '../../db/lock-holders.js';
import type { Queryable } from '../../db/port.js';
import { findOpenRun } from '../../ledger/runs.js';
import type { Direction } from '../../ledger/rows.js';
import type { Tables, Target } from '../../names.js';
import type { Sleep } from '../../runtime.js';

/** The run lock's name; its key is hashtextextended(name). Two installations (state schemas, tables) do not collide. */
export function runLockName(stateSchema: string, t: Pick<Tables, 'usages'>): string {
  return `aibridge-migrate backfill ${stateSchema} ${t.usages}`;
}

/**
 * Serialises joining a run (choose, resume or create it) between processes. Taken only as a
 * transaction-level lock (withTransactionLock), so no pooler can leave it behind.
 */
export function setupLockName(t: Pick<Tables, 'usages' | 'ranges'>): string {
  return `aibridge-migrate backfill setup ${t.ranges} ${t.usages}`;
}

/** Held by the one lane that judges the end of a pass (counts, opens a sweep, or finishes). */
export function convergeLockName(t: Pick<Tables, 'usages' | 'ranges'>): string {
  return `aibridge-migrate backfill converge ${t.ranges} ${t.usages}`;
}

/** Who holds the run lock this process was refused: the sessions, and what the ledger says of the open run. */
export interface RunLockHolders {
  /** The database sessions holding the run lock. */
  sessions: LockHolder[];
  /** From the ledger's open run: where the process that last claimed it says it runs. */
  runId: number | null;
  host: string | null;
  pid: number | null;
  runStartedAt: Date | null;
  runUpdatedAt: Date | null;
}

export async function describeRunLockHolders(
  db: Queryable,
  lockName: string,
  t: Tables,
  target: Target,
  direction: Direction,
): Promise<RunLockHolders> {
  // The session asking too: it was just refused the lock, so on a direct connection it is not
  // a holder, but behind a pooler this query may run on the server session that holds it.
  const sessions = await advisoryLockHolders(db, lockName, { ownSession: true });
  const run = await findOpenRun(db, t, target, direction).catch(() => null);
  return {
    sessions,
    runId: run?.id ?? null,
    host: run?.host ?? null,
    pid: run?.pid ?? null,
    runStartedAt: run?.startedAt ?? null,
    runUpdatedAt: run?.updatedAt ?? null,
  };
}

export function holderMessage(holder: RunLockHolders): string {
  const parts: string[] = [];
  if (holder.runId !== null) {
    parts.push(
      `run #${holder.runId}${holder.host !== null || holder.pid !== null ? ` on host ${holder.host ?? '?'} pid ${holder.pid ?? '?'}` : ''}`,
    );
    if (holder.runStartedAt) parts.push(`started ${holder.runStartedAt.toISOString()}`);
    if (holder.runUpdatedAt) parts.push(`last checkpoint ${holder.runUpdatedAt.toISOString()}`);
  }
  for (const s of holder.sessions.slice(0, 3)) {
    parts.push(
      `database session pid ${s.pid}${s.clientAddr ? ` from ${s.clientAddr}` : ''}${s.backendStart ? ` connected since ${s.backendStart.toISOString()}` : ''}`,
    );
  }
  if (holder.sessions.length > 3) parts.push(`and ${holder.sessions.length - 3} more sessions`);
  return parts.length > 0 ? parts.join(', ') : 'an unidentified session';
}

/**
 * Idle this long, a session is not a backfill between batches (they follow each other within
 * a second), unless the run is paused by its throttle (replica lag): hence "probably" below.
 */
export const STALE_IDLE_MS = 60_000;
/** Idle this long with no run open, a session is not a backfill choosing its run (milliseconds). */
export const NO_RUN_IDLE_MS = 5_000;

/**
 * The sessions holding the run lock with probably no backfill process behind them (pure):
 * idle, and either not named as ours, idle for longer than STALE_IDLE_MS, or idle for
 * NO_RUN_IDLE_MS while no run is open in the ledger. That is a transaction-mode pooler's
 * server connection (the server session outlives the client that took the lock) or a session
 * leaked by something else; it keeps the lock until it is ended.
 */
export function idleHolders(holder: RunLockHolders): LockHolder[] {
  return holder.sessions.filter((s) => {
    const idleMs = s.stateAgeMs ?? 0;
    return (
      s.state === 'idle' &&
      (!s.applicationName.startsWith(APPLICATION_NAME) || idleMs > STALE_IDLE_MS || (holder.runId === null && idleMs >= NO_RUN_IDLE_MS))
    );
  });
}

/** What exit 7 adds when its holder may be a session with no process behind it (pure); null otherwise. */
export function idleHolderAdvice(holder: RunLockHolders): { message: string; hint: string } | null {
  const idle = idleHolders(holder);
  if (idle.length === 0) return null;
  const many = idle.length > 1;
  const who = idle
    .map(
      (s) =>
        `session pid ${s.pid} (idle${s.stateAgeMs !== null ? ` for ${formatSeconds(s.stateAgeMs)}` : ''}, application_name '${s.applicationName}')`,
    )
    .join(', ');
  const process =
    holder.runId !== null && (holder.host !== null || holder.pid !== null) ? ` on host ${holder.host ?? '?'} pid ${holder.pid ?? '?'}` : '';
  return {
    message: `probably not, though: ${who} ${many ? 'hold' : 'holds'} the run lock while idle${holder.runId === null ? ', and no run is open in the ledger' : ''}. A transaction-mode pooler's server connection or a leaked session keeps a session lock after the process that took it has ended`,
    hint: `If no backfill is running${process}, end ${many ? 'those sessions' : 'that session'}, then run the command again: ${idle.map((s) => `SELECT pg_terminate_backend(${s.pid})`).join('; ')}. Run backfill through a direct or session-mode URL, not a transaction-mode pooler (PgBouncer, Supavisor, RDS Proxy): see docs/poolers.md.`,
  };
}

export interface AcquireOptions {
  mode: LockMode;
  wait: boolean;
  signal: AbortSignal;
  sleep: Sleep;
  /** Names the holder when the lock is refused. */
  describe: () => Promise<RunLockHolders>;
  table: string;
}

/**
 * Takes the run lock, or fails at once naming the holder; with `wait`, polls until it is free.
 * False when stopped (a signal) while waiting. The single runner takes it exclusively; every
 * session of a --workers run takes it shared, so any number of worker processes can join a run
 * while a single runner cannot start beside them, nor they beside it. A killed runner never
 * leaves it behind — unless a transaction-mode pooler keeps its session alive (idleHolders
 * names that case).
 */
export async function acquireRunLock(db: Queryable, lockName: string, options: AcquireOptions): Promise<boolean> {
  if (await tryAdvisoryLock(db, lockName, options.mode)) return true;
  if (!options.wait) {
    const holder = await options.describe();
    const exclusiveHolder = options.mode === 'shared';
    const idle = idleHolderAdvice(holder);
    throw new AlreadyRunningError(
      `another backfill of ${options.table} is running: ${holderMessage(holder)}${idle ? `; ${idle.message}` : ''}`,
      {
        hint:
          idle?.hint ??
          (exclusiveHolder
            ? 'Workers cannot join a run started without --workers. Wait for it to finish, or pass --wait to join as soon as it does.'
            : 'Wait for it to finish, or pass --wait to start as soon as it does. If that process is gone, its database session ends with it and the lock is released (not through a transaction-mode pooler: see docs/poolers.md).'),
        details: { holder },
      },
    );
  }
  return waitForAdvisoryLock(db, lockName, { mode: options.mode, signal: options.signal, sleep: options.sleep });
}
