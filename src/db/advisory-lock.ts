/**
 * Advisory locks: keys, taking, releasing, waiting. They block no application query (advisory
 * locks only conflict with each other), and a session-level one is released by PostgreSQL the
 * moment its session ends, so a killed process never leaves one behind — as long as the
 * connection is the session. Behind a transaction-mode pooler it is not: the server session
 * outlives the client, and an unlock may run on another server session that does not hold
 * the lock. So every release asks PostgreSQL whether it released anything, and a connection
 * that keeps a book of its session locks (session-locks.ts) hears when one stayed behind.
 */
import type { Sleep } from '../runtime.js';
import type { Queryable } from './port.js';
import { param, sql, type Sql } from './sql.js';
import { withTransaction } from './transaction.js';

/**
 * A bigint key as PostgreSQL takes it: a bigint given by someone else's protocol (node-pg-migrate's
 * lock value, Coder's migration lock), or a name of ours, hashed by hashtextextended(name, 0) so
 * the key of "the backfill of this table in this state schema" follows from its names.
 */
export type AdvisoryKey = bigint | string;

export type LockMode = 'exclusive' | 'shared';

/** The key as an SQL bigint expression over one parameter (a bigint as its exact decimal text). */
export function keySql(key: AdvisoryKey): Sql {
  const value = param(typeof key === 'bigint' ? key.toString() : key);
  return typeof key === 'bigint' ? sql`${value}::bigint` : sql`hashtextextended(${value}::text, 0)`;
}

/**
 * The pg_locks (`l`) condition for a bigint key: PostgreSQL shows it split in two, classid = the
 * high 32 bits, objid = the low 32 bits, objsubid = 1. The key is one parameter, used twice.
 */
export function pgLocksKeyCondition(key: AdvisoryKey): Sql {
  const k = keySql(key);
  return sql`l.locktype = 'advisory' AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = ((${k} >> 32) & 4294967295)::oid AND l.objid = (${k} & 4294967295)::oid`;
}

/** What an unlock did: released the lock, or found it not held by the server session it ran on. */
export type UnlockOutcome = { released: true } | { released: false; ranOnPid: number };

/**
 * The session-level advisory locks a connection has taken and not released yet. Kept by a
 * connection that wants them released before it closes (session-locks.ts): through a pooler,
 * closing the connection does not end the server session that holds them.
 */
export interface LockBook {
  taken(key: AdvisoryKey, mode: LockMode): void;
  /** An unlock ran; when it released nothing, the book reports who still holds the lock. */
  released(db: Queryable, key: AdvisoryKey, mode: LockMode, outcome: UnlockOutcome): Promise<void>;
  /** A wait for the lock has lasted STILL_WAITING_MS: the book says so if its holder looks abandoned. */
  stillWaiting(db: Queryable, key: AdvisoryKey): Promise<void>;
}

/** How long a wait goes on before its holder is looked at (a lock left behind would make it endless). */
export const STILL_WAITING_MS = 10_000;

/** A connection that keeps a LockBook. */
export interface KeepsLockBook extends Queryable {
  readonly lockBook: LockBook;
}

export function lockBookOf(db: Queryable): LockBook | undefined {
  return 'lockBook' in db ? (db as KeepsLockBook).lockBook : undefined;
}

/** Session-level, without waiting: true when taken. A session's own locks never block it. */
export async function tryAdvisoryLock(db: Queryable, key: AdvisoryKey, mode: LockMode = 'exclusive'): Promise<boolean> {
  const fn = mode === 'shared' ? sql`pg_try_advisory_lock_shared` : sql`pg_try_advisory_lock`;
  const take = sql`SELECT ${fn}(${keySql(key)}) AS ok`;
  const { rows } = await db.query<{ ok: boolean }>(take.text, take.values);
  const taken = rows[0]?.ok === true;
  if (taken) lockBookOf(db)?.taken(key, mode);
  return taken;
}

/**
 * Releases a session-level lock and says whether PostgreSQL released anything: false when the
 * server session the unlock ran on did not hold it (PostgreSQL then only warns), which behind
 * a transaction-mode pooler means it stays with another one.
 */
export async function releaseAdvisoryLock(db: Queryable, key: AdvisoryKey, mode: LockMode = 'exclusive'): Promise<UnlockOutcome> {
  const fn = mode === 'shared' ? sql`pg_advisory_unlock_shared` : sql`pg_advisory_unlock`;
  const release = sql`SELECT ${fn}(${keySql(key)}) AS released, pg_backend_pid() AS pid`;
  const { rows } = await db.query<{ released: boolean; pid: number }>(release.text, release.values);
  const outcome: UnlockOutcome = rows[0]?.released === true ? { released: true } : { released: false, ranOnPid: Number(rows[0]?.pid) };
  await lockBookOf(db)?.released(db, key, mode, outcome);
  return outcome;
}

/**
 * Transaction-level, waiting: the wait is bounded by the session's lock_timeout like any other
 * lock wait (55P03 when it expires), and the lock goes with the transaction's end.
 */
export async function advisoryTransactionLock(db: Queryable, key: AdvisoryKey): Promise<void> {
  const lock = sql`SELECT pg_advisory_xact_lock(${keySql(key)})`;
  await db.query(lock.text, lock.values);
}

/**
 * True when no OTHER session holds `key` in any mode: taking it exclusively asks exactly that
 * (the caller may hold it itself: its own locks never conflict). Transaction-level, in one
 * statement, so the lock is gone when the statement's transaction ends (at once outside a
 * transaction) and no unlock can miss it on another server session.
 */
export async function noOtherHolder(db: Queryable, key: AdvisoryKey): Promise<boolean> {
  const take = sql`SELECT pg_try_advisory_xact_lock(${keySql(key)}) AS ok`;
  const { rows } = await db.query<{ ok: boolean }>(take.text, take.values);
  return rows[0]?.ok === true;
}

/**
 * Runs `work` in a transaction that holds `key` as a transaction-level lock, trying for it once
 * per short transaction and sleeping between tries until it is free (a blocked
 * pg_advisory_xact_lock could not be interrupted by Ctrl-C). Null when `signal` aborted first.
 *
 * For a lock held only while a few statements run. A session-level lock would do the same on
 * a direct connection, but behind a transaction-mode pooler its unlock may run on another
 * server session, and the lock then stays with a pooled server connection that no later try
 * of ours may ever be handed (PgBouncer gives out the most recently used one first): every
 * waiter after it would wait for ever. A transaction-level lock ends with its transaction,
 * wherever that ran.
 */
export async function withTransactionLock<T>(
  db: Queryable,
  key: AdvisoryKey,
  options: Omit<WaitOptions, 'mode'>,
  work: (tx: Queryable) => Promise<T>,
): Promise<{ value: T } | null> {
  const take = sql`SELECT pg_try_advisory_xact_lock(${keySql(key)}) AS ok`;
  for (;;) {
    if (options.signal.aborted) return null;
    const done = await withTransaction(db, async (tx) => {
      const { rows } = await tx.query<{ ok: boolean }>(take.text, take.values);
      return rows[0]?.ok === true ? { value: await work(tx) } : null;
    });
    if (done) return done;
    await options.sleep(options.pollMs ?? 1_000, options.signal);
  }
}

export interface WaitOptions {
  mode?: LockMode;
  signal: AbortSignal;
  sleep: Sleep;
  pollMs?: number;
}

/**
 * Takes a session-level lock, polling until it is free. Polling, not pg_advisory_lock: a
 * blocked call could not be interrupted by Ctrl-C. False when `signal` aborted first. A wait
 * that lasts STILL_WAITING_MS is reported once by a connection that keeps a lock book, when
 * the holder looks like a session with no process behind it: waiting for that would be endless.
 */
export async function waitForAdvisoryLock(db: Queryable, key: AdvisoryKey, options: WaitOptions): Promise<boolean> {
  const pollMs = options.pollMs ?? 1_000;
  let waitedMs = 0;
  for (;;) {
    if (options.signal.aborted) return false;
    if (await tryAdvisoryLock(db, key, options.mode)) return true;
    if (waitedMs < STILL_WAITING_MS && waitedMs + pollMs >= STILL_WAITING_MS)
      await lockBookOf(db)
        ?.stillWaiting(db, key)
        .catch(() => {});
    await options.sleep(pollMs, options.signal);
    waitedMs += pollMs;
  }
}
