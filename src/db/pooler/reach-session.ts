/**
 * Reaching one given server session behind a transaction-mode pooler: what an unlock needs when
 * it ran on another server session than its lock did (src/db/session-locks.ts).
 *
 * A transaction pooler hands each transaction one of its idle server sessions, PgBouncer the
 * most recently released first. A client's next statement therefore tends to get the session
 * its last one used, and a session further down the pool's list may never come its way: a
 * lock stranded there stays until the pooler recycles the connection (minutes to an hour), and
 * whoever waits for it waits that long. So, like the pooler probe (probe.ts), connections to
 * the same URL open transactions and keep them open, one after another, each taking the next
 * idle session, until one is handed the session wanted. A session busy in another client's
 * transaction comes free when that transaction ends; one the pooler closed meanwhile is never
 * handed out, hence the bounds.
 */
import type { Sleep } from '../../runtime.js';
import type { Connector, Queryable, Session } from '../port.js';
import { within } from './probe.js';

/**
 * Helpers opened at most: the stranded session is usually near the top of the pool's idle list
 * (it ran one of our statements moments ago), and each helper holds a server session for a few
 * milliseconds that the application's clients then wait for.
 */
export const REACH_HELPERS = 8;

export interface ReachIo {
  /** Opens another connection to the same URL. */
  connect: Connector;
  /** Connections opened at most. */
  maxHelpers: number;
  /** How long a helper may wait for a server session (a pool with none free). */
  waitMs: number;
  sleep: Sleep;
}

/**
 * Runs `work` in a transaction on server session `pid`; null when no helper was handed it. Every
 * helper's transaction ends before this returns, the others' rolled back untouched.
 */
export async function onServerSession<T>(pid: number, work: (tx: Queryable) => Promise<T>, io: ReachIo): Promise<{ value: T } | null> {
  const helpers: { session: Session; began: boolean }[] = [];
  try {
    for (let i = 0; i < io.maxHelpers; i++) {
      const helper = { session: await io.connect(), began: false };
      helpers.push(helper);
      const look = async () => {
        await helper.session.query('BEGIN');
        helper.began = true;
        const { rows } = await helper.session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        return Number(rows[0]!.pid);
      };
      const looking = look();
      // Withdrawn below when it outlasts waitMs: its failure then is expected.
      looking.catch(() => {});
      const got = await within(looking, io.waitMs, io.sleep);
      if (got === undefined) return null;
      if (got === pid) {
        const value = await work(helper.session);
        await helper.session.query('COMMIT');
        helper.began = false;
        return { value };
      }
    }
    return null;
  } finally {
    // A helper still queued for a server session is withdrawn by closing it.
    await Promise.all(
      helpers.map(async (h) => {
        if (h.began) await h.session.query('ROLLBACK').catch(() => {});
        await h.session.end().catch(() => {});
      }),
    );
  }
}
