/**
 * A connection that knows the session-level advisory locks it holds, releases them itself
 * before it closes, and says which one stayed behind and where.
 *
 * On a direct connection (or through a session-mode pooler) closing the connection ends the
 * server session, and PostgreSQL releases its locks: the releases done here first are then
 * merely early. Through a transaction-mode pooler (run with --pooler-ok) closing the client
 * connection ends nothing on the server: a lock nobody unlocked stays granted to a pooled
 * server connection until the pooler recycles it, refusing every later run. And an unlock may
 * run on another server session than the lock did, which PostgreSQL answers with false. Either
 * way the owner hears the backend pid that still holds the lock and the query that ends it.
 */
import {
  lockBookOf,
  STILL_WAITING_MS,
  releaseAdvisoryLock,
  type AdvisoryKey,
  type KeepsLockBook,
  type LockBook,
  type LockMode,
  type UnlockOutcome,
} from './advisory-lock.js';
import { advisoryLockHolders, describeLockHolder, type LockHolder } from './lock-holders.js';
import { isConnectionLoss } from './pg-errors.js';
import type { Queryable, QueryResult, Session } from './port.js';
import type { DbRow } from './row.js';

/** How a lock is named to people: its name (a key we hash), or the bigint key. */
export function lockLabel(key: AdvisoryKey): string {
  return typeof key === 'bigint' ? `advisory key ${key}` : `"${key}"`;
}

/**
 * The warning for a lock an unlock did not release while some session still holds it (pure).
 * `ranOnPid`: the server session the unlock ran on; null when it could not run (connection lost).
 */
export function unreleasedLockMessage(label: string, ranOnPid: number | null, holders: readonly LockHolder[]): string {
  const why =
    ranOnPid === null
      ? 'the connection was lost before it could be released'
      : `pg_advisory_unlock ran on backend pid ${ranOnPid}, which does not hold it (a transaction-mode pooler sent it to another server session)`;
  const many = holders.length > 1;
  // Not at once: a pooled server connection may be in another client's transaction right now.
  const terminate = `A pooled server connection keeps it after this process exits; once no aibridge-migrate process is running and ${many ? 'they are' : 'it is'} idle, end ${many ? 'them' : 'it'} with ${holders.map((h) => `SELECT pg_terminate_backend(${h.pid})`).join('; ')}`;
  return `the session advisory lock ${label} was not released: ${why}. Still held by ${holders.map((h) => `backend ${describeLockHolder(h)}`).join('; ')}. ${terminate}`;
}

/**
 * After an unlock that released nothing: warns naming the sessions that still hold the lock,
 * if any (nobody holding it means nothing stayed behind, e.g. its session was ended). The
 * look-up includes the session it runs on: behind a pooler that may be the holder.
 */
export async function reportUnreleasedLock(
  db: Queryable,
  key: AdvisoryKey,
  ranOnPid: number | null,
  warn: (message: string) => void,
  label = lockLabel(key),
): Promise<void> {
  const holders = await advisoryLockHolders(db, key, { ownSession: true }).catch(() => []);
  if (holders.length > 0) warn(unreleasedLockMessage(label, ranOnPid, holders));
}

/**
 * The warning when a wait for a lock has lasted STILL_WAITING_MS and its holders have sat idle
 * at least as long (pure): a live aibridge-migrate session is never idle that long while it
 * holds a lock, except a backfill paused by its throttle — hence "probably".
 */
export function stillWaitingMessage(label: string, idle: readonly LockHolder[]): string {
  const many = idle.length > 1;
  return `still waiting for the session advisory lock ${label}, held by ${idle.map((h) => `backend ${describeLockHolder(h)}`).join('; ')}. Probably no aibridge-migrate process is behind ${many ? 'them' : 'it'}: a transaction-mode pooler's server connection or a leaked session keeps a lock after its process ended. If none is running, end ${many ? 'them' : 'it'} with ${idle.map((h) => `SELECT pg_terminate_backend(${h.pid})`).join('; ')}`;
}

interface Held {
  key: AdvisoryKey;
  mode: LockMode;
  /** Session locks stack: each take needs its own unlock. */
  count: number;
}

export interface SessionLockOptions {
  /** Where warnings about locks left behind go. */
  warn: (message: string) => void;
  /**
   * The server session may outlive this connection (a transaction-mode pooler, --pooler-ok):
   * locks still held when the connection is lost are then reported, not assumed gone.
   */
  sessionOutlivesConnection: boolean;
  /**
   * Runs `work` on a given server session (pooler/reach-session.ts), for an unlock that ran on
   * another one. Absent (a connection that is its own session), such a lock is only reported.
   */
  reach?: (pid: number, work: (tx: Queryable) => Promise<boolean>) => Promise<{ value: boolean } | null>;
  /** Where an unlock that missed and was then run where the lock is held is told (--debug). */
  debug?: (message: string) => void;
}

class Book implements LockBook {
  private readonly held = new Map<string, Held>();

  constructor(private readonly options: SessionLockOptions) {}

  private static id(key: AdvisoryKey, mode: LockMode): string {
    return `${mode} ${typeof key} ${String(key)}`;
  }

  taken(key: AdvisoryKey, mode: LockMode): void {
    const id = Book.id(key, mode);
    const entry = this.held.get(id) ?? { key, mode, count: 0 };
    entry.count += 1;
    this.held.set(id, entry);
  }

  async released(db: Queryable, key: AdvisoryKey, mode: LockMode, outcome: UnlockOutcome): Promise<void> {
    const id = Book.id(key, mode);
    const entry = this.held.get(id);
    if (entry && --entry.count <= 0) this.held.delete(id);
    if (outcome.released) return;
    const heldBy = await this.releaseWhereHeld(db, key, mode);
    if (heldBy !== null) {
      this.options.debug?.(
        `the session advisory lock ${lockLabel(key)}: pg_advisory_unlock ran on backend pid ${outcome.ranOnPid}, which does not hold it; released on backend pid ${heldBy}, which did`,
      );
      return;
    }
    await reportUnreleasedLock(db, key, outcome.ranOnPid, this.options.warn);
  }

  /**
   * Runs an unlock that missed again on the server session holding the lock: that session's
   * pid when it released it there, else null. Only an exclusive lock with one holder: that
   * session holds ours (of a shared lock's holders, others may be other processes', and which
   * one holds ours is not known).
   */
  private async releaseWhereHeld(db: Queryable, key: AdvisoryKey, mode: LockMode): Promise<number | null> {
    const { reach } = this.options;
    if (!reach || mode !== 'exclusive') return null;
    const holders = (await advisoryLockHolders(db, key, { ownSession: true }).catch(() => [])).filter((h) => h.granted);
    if (holders.length !== 1) return null;
    const pid = holders[0]!.pid;
    // The helper session keeps no book: its outcome is only returned.
    const done = await reach(pid, async (tx) => (await releaseAdvisoryLock(tx, key, mode)).released).catch(() => null);
    return done?.value === true ? pid : null;
  }

  async stillWaiting(db: Queryable, key: AdvisoryKey): Promise<void> {
    const holders = await advisoryLockHolders(db, key, { ownSession: true });
    const idle = holders.filter((h) => h.state === 'idle' && (h.stateAgeMs ?? 0) >= STILL_WAITING_MS);
    if (idle.length > 0) this.options.warn(stillWaitingMessage(lockLabel(key), idle));
  }

  /** Every lock still held, once per take. */
  outstanding(): { key: AdvisoryKey; mode: LockMode }[] {
    return [...this.held.values()].flatMap((h) => Array.from({ length: h.count }, () => ({ key: h.key, mode: h.mode })));
  }

  /** The connection was lost holding these: say so where the server session may live on. */
  lost(): void {
    const locks = this.outstanding();
    this.held.clear();
    if (!this.options.sessionOutlivesConnection || locks.length === 0) return;
    this.options.warn(
      `the connection was lost while it held the session advisory lock${locks.length > 1 ? 's' : ''} ${locks.map((l) => lockLabel(l.key)).join(', ')}; through a transaction-mode pooler the server session that holds ${locks.length > 1 ? 'them' : 'it'} may live on: look it up with SELECT pid, state, application_name FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE locktype = 'advisory', and end it with SELECT pg_terminate_backend(<pid>)`,
    );
  }
}

class LockKeepingSession implements Session, KeepsLockBook {
  readonly lockBook: Book;
  private broken = false;

  constructor(
    private readonly session: Session,
    options: SessionLockOptions,
  ) {
    this.lockBook = new Book(options);
  }

  async query<R extends DbRow = DbRow>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    try {
      return await this.session.query<R>(text, values);
    } catch (error) {
      if (isConnectionLoss(error)) this.broken = true;
      throw error;
    }
  }

  /** Releases every session lock still held (each checked), then closes the connection. */
  async end(): Promise<void> {
    try {
      if (this.broken) this.lockBook.lost();
      for (const lock of this.lockBook.outstanding()) {
        if (this.broken) break;
        await releaseAdvisoryLock(this, lock.key, lock.mode).catch(() => this.lockBook.lost());
      }
    } finally {
      await this.session.end();
    }
  }
}

/** `session`, keeping a book of its session advisory locks (see above). */
export function keepSessionLocks(session: Session, options: SessionLockOptions): Session {
  return new LockKeepingSession(session, options);
}

/** Whether `db` keeps a book of its session locks (for tests and diagnostics). */
export function keepsSessionLocks(db: Queryable): boolean {
  return lockBookOf(db) !== undefined;
}
