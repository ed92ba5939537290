/**
 * Reaching one given server session behind a transaction-mode pooler: what an unlock needs when
 * it ran on another server session than its lock did (src/db/session-locks.ts).
 *
 * A transaction pooler hands each transaction one of its idle server sessions, PgBouncer the
 * most recently released first. A client's next statement therefore tends to get the session
 * its last one used, and a session further down the pool's list may never come its way: a
 * lock stranded there stays until the pooler recycles the connection (minutes to an hour), and
 * whoever waits for it waits that long. So, like the pooler probe (probe.ts), helpers walk down
 * the pool's idle sessions (helpers.ts) until one is handed the session wanted. One the pooler
 * closed meanwhile is never handed out, hence the bounds.
 */
import type { Queryable } from '../port.js';
import { walkHelpers, type HelpersIo } from './helpers.js';

/**
 * Helpers opened at most: the stranded session is usually near the top of the pool's idle list
 * (it ran one of our statements moments ago), and each helper holds a server session for a few
 * milliseconds that the application's clients then wait for.
 */
export const REACH_HELPERS = 8;

/**
 * Runs `work` in a transaction on server session `pid`, which commits; null when no helper was
 * handed that session. Every helper's transaction ends before this returns, the others' having
 * written nothing (helpers.ts).
 */
export async function onServerSession<T>(pid: number, work: (tx: Queryable) => Promise<T>, io: HelpersIo): Promise<{ value: T } | null> {
  const { finished } = await walkHelpers(io, {
    mode: 'read-write',
    look: async (tx) => Number((await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid),
    enough: (got) => got === pid,
    finish: work,
  });
  return finished;
}
