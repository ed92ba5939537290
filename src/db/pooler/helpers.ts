/**
 * Helper connections that each take one server session of a pooler and keep it: what the
 * pooler probe (probe.ts) and the reach for a lock stranded on a pooled session
 * (reach-session.ts) both need.
 *
 * A transaction pooler hands each transaction one of its idle server sessions, PgBouncer the
 * most recently released first. A helper opens a transaction on a new connection to the same
 * URL and keeps it open, so the next helper's transaction is handed another session: one after
 * another, the helpers walk down the pool's idle list. A session busy in another client's
 * transaction comes free when that transaction ends; a pool with none free keeps a helper
 * waiting, hence `waitMs`. A session or statement pooler, or a TCP proxy, gives each helper a
 * session of its own.
 */
import type { Sleep } from '../../runtime.js';
import type { Connector, Queryable, Session } from '../port.js';
import { withRolledBackTransaction, withTransaction } from '../transaction.js';

export interface HelpersIo {
  /** Opens another connection to the same URL. */
  connect: Connector;
  /** Helpers opened at most. */
  maxHelpers: number;
  /** How long a helper may wait for a server session (a pool with none free) before the walk stops. */
  waitMs: number;
  sleep: Sleep;
}

export interface HelperWalk<L, T> {
  /** Read-only helpers can write nothing; read-write ones are for `finish`. */
  mode: 'read-only' | 'read-write';
  /** Runs first in each helper's transaction: what the helper's server session is. */
  look: (tx: Queryable) => Promise<L>;
  /** Whether `look` is what the walk looked for: it opens no further helper. */
  enough: (look: L) => boolean;
  /**
   * Runs in the transaction of the helper whose look was enough, which then commits. The other
   * helpers end having written nothing: rolled back where there is no `finish`, committed empty
   * (only `look` ran in them) where there is.
   */
  finish?: (tx: Queryable) => Promise<T>;
}

export interface HelpersSeen<L, T> {
  /** Every helper's look, in the order they were opened. */
  looks: L[];
  /** Why the walk stopped before a look was enough or all helpers were opened; null: it did not. */
  cut: string | null;
  /** What `finish` returned, when a look was enough and it ran. */
  finished: { value: T } | null;
}

/** `promise`'s value, or undefined when it takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, sleep: Sleep): Promise<T | undefined> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, timer.signal).then(() => undefined)]);
  } finally {
    timer.abort();
  }
}

interface Helper<T> {
  session: Session;
  /** Its transaction, which ends once the walk tells it how (`order`): what `finish` returned, if it ran. */
  hold: Promise<{ value: T } | null>;
  order: (how: 'finish' | 'end') => void;
  answered: boolean;
}

/**
 * Opens helpers one after another, each keeping its transaction open, until a look is enough,
 * `io.maxHelpers` are open, or the next cannot be had. Every helper's transaction has ended and
 * every helper is closed when this returns.
 */
export async function walkHelpers<L, T = never>(io: HelpersIo, walk: HelperWalk<L, T>): Promise<HelpersSeen<L, T>> {
  const helpers: Helper<T>[] = [];
  const seen: HelpersSeen<L, T> = { looks: [], cut: null, finished: null };
  try {
    for (let i = 0; i < io.maxHelpers; i++) {
      let session: Session;
      try {
        session = await io.connect();
      } catch (error) {
        seen.cut = `a further connection was refused: ${message(error)}`;
        break;
      }
      let answer!: (look: L) => void;
      const looked = new Promise<L>((resolve) => (answer = resolve));
      let order!: (how: 'finish' | 'end') => void;
      const ordered = new Promise<'finish' | 'end'>((resolve) => (order = resolve));
      const { finish } = walk;
      const hold = (finish ? withTransaction : withRolledBackTransaction)(
        session,
        async (tx) => {
          answer(await walk.look(tx));
          return (await ordered) === 'finish' && finish ? { value: await finish(tx) } : null;
        },
        { mode: walk.mode },
      );
      const helper: Helper<T> = { session, hold, order, answered: false };
      helpers.push(helper);
      let look: L | undefined;
      try {
        // The hold settles first only when its transaction failed (it waits for its order).
        look = await within(Promise.race([looked, hold.then(() => undefined)]), io.waitMs, io.sleep);
      } catch (error) {
        seen.cut = `a further connection failed: ${message(error)}`;
        break;
      }
      if (look === undefined) {
        seen.cut = `no server connection came free within ${io.waitMs} ms`;
        break;
      }
      helper.answered = true;
      seen.looks.push(look);
      if (walk.enough(look)) {
        if (finish) {
          helper.order('finish');
          seen.finished = await hold;
        }
        break;
      }
    }
  } finally {
    for (const h of helpers) h.order('end');
    // A helper still queued for a server session is not waited for: closing it withdraws it.
    await Promise.all(helpers.filter((h) => h.answered).map((h) => h.hold.catch(() => {})));
    for (const h of helpers) h.hold.catch(() => {});
    await Promise.all(helpers.map((h) => h.session.end().catch(() => {})));
  }
  return seen;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
