/**
 * Reads whether a connection keeps one server session, and names the pooler when it does not.
 * Read-only: every look is a READ ONLY transaction that sets nothing and takes no lock, so the
 * probe leaves no session state on a pooled server connection for another client to inherit.
 *
 * How (judged in verdict.ts):
 * 1. One transaction on the connection reads its server session (pid and start time) and the
 *    client address and port the server sees. When they are this socket's own, the connection
 *    is direct: done. A pooler that refuses the BEGIN is in statement mode: done.
 * 2. Otherwise something sits between (a pooler in any mode, or a TCP proxy). Comparing the
 *    pid over a few transactions of this connection alone is not enough: a transaction pooler
 *    with one idle server connection hands the same one back every time. So second
 *    connections to the same URL open transactions and keep them open, one after another: a
 *    transaction pooler gives its idle server sessions out, ours among them (PgBouncer reuses
 *    the most recently released first), while a session pooler or proxy never lends ours to
 *    another client. The probe stops at the first helper that got our server session (pooled),
 *    or a freshly started one (the pooler had no idle session left to hand out), or after
 *    MAX_HELPERS.
 * 3. Each helper also reads our server session's row of pg_stat_activity. This connection
 *    sends nothing meanwhile, so a session of its own stays idle after the first look's
 *    ROLLBACK: seen busy, idle after another statement, or changing state between two helpers'
 *    looks, it ran another client's statements. Under other clients' traffic our session is
 *    often theirs exactly when a helper asks, and free again for our next transaction: without
 *    this look, 1 `up` in 30 went on through such a pool (docs/poolers.md).
 * 4. Then this connection's next transactions must still be in its first server session.
 *
 * A session-level marker (set_config(…, false) read back in the next transaction) was not used:
 * it proves exactly what pid and start time prove — the same server session — so it would not
 * catch the lucky reuse either, and on a pooler it is session state that the probe could not be
 * sure to reset on the server session that holds it.
 */
import type { Sleep } from '../../runtime.js';
import type { SocketEnds } from '../connect.js';
import type { Connector, Queryable } from '../port.js';
import { sql } from '../sql.js';
import { withRolledBackTransaction } from '../transaction.js';
import { isTransactionBlockRefusal } from './advice.js';
import { walkHelpers } from './helpers.js';
import { isDirect, sameBackend, type BackendIdentity, type FirstLook, type HelperLook, type ProbeFacts } from './verdict.js';

/** Second connections opened at most: enough for a pool whose idle server sessions are handed out in turn. */
export const MAX_HELPERS = 3;
/** This connection's transactions after the helpers: with the first, three looks in all. */
const LATER_LOOKS = 2;

export interface ProbeIo {
  /** Opens another connection to the same URL (the helpers). */
  connect: Connector;
  /** Both ends of the connection under test; null over a Unix socket. */
  socket: SocketEnds | null;
  /** How long a helper may wait for a server connection (a pool with none free) before the probe goes on without it. */
  helperWaitMs: number;
  sleep: Sleep;
}

const IDENTITY = sql`SELECT pg_backend_pid() AS pid, extract(epoch FROM a.backend_start)::numeric::text AS backend_start`;
const OWN_ROW = sql`FROM pg_stat_activity AS a WHERE a.pid = pg_backend_pid()`;

async function firstLook(db: Queryable): Promise<FirstLook> {
  const look = sql`${IDENTITY}, host(inet_client_addr()) AS client_addr, inet_client_port() AS client_port,
            host(inet_server_addr()) AS server_addr, inet_server_port() AS server_port,
            extract(epoch FROM statement_timestamp())::numeric::text AS at
       ${OWN_ROW}`;
  const { rows } = await db.query(look.text, look.values);
  const r = rows[0]!;
  return {
    pid: r.pid,
    backendStart: r.backend_start,
    clientAddr: r.client_addr,
    clientPort: r.client_port,
    serverAddr: r.server_addr,
    serverPort: r.server_port,
    at: r.at,
  };
}

async function identity(db: Queryable): Promise<BackendIdentity> {
  const look = sql`${IDENTITY} ${OWN_ROW}`;
  const { rows } = await db.query(look.text, look.values);
  return { pid: rows[0]!.pid, backendStart: rows[0]!.backend_start };
}

async function helperLook(db: Queryable, first: FirstLook): Promise<HelperLook> {
  const look = sql`${IDENTITY}, extract(epoch FROM a.backend_start)::numeric > ${first.at}::numeric AS fresh,
            f.pid IS NOT NULL AS first_seen, f.state AS first_state, f.query AS first_query,
            extract(epoch FROM f.state_change)::numeric::text AS first_state_change
       FROM pg_stat_activity AS a
       LEFT JOIN pg_stat_activity AS f
         ON f.pid = ${first.pid}::int AND extract(epoch FROM f.backend_start)::numeric = ${first.backendStart}::numeric
      WHERE a.pid = pg_backend_pid()`;
  const { rows } = await db.query(look.text, look.values);
  const r = rows[0]!;
  return {
    pid: r.pid,
    backendStart: r.backend_start,
    fresh: r.fresh === true,
    firstSession: r.first_seen ? { state: r.first_state, query: r.first_query, stateChange: r.first_state_change } : null,
  };
}

/** PgBouncer's answer to BEGIN in statement pooling mode. */
function transactionRefusal(error: unknown): string | null {
  const message = error instanceof Error ? error.message : '';
  return isTransactionBlockRefusal(message) ? message : null;
}

/** Step 2 above: helpers that keep their transactions open until the probe has seen enough. */
async function lookThroughHelpers(first: FirstLook, io: ProbeIo): Promise<{ looks: HelperLook[]; cut: string | null }> {
  const { looks, cut } = await walkHelpers(
    { connect: io.connect, maxHelpers: MAX_HELPERS, waitMs: io.helperWaitMs, sleep: io.sleep },
    { mode: 'read-only', look: (tx) => helperLook(tx, first), enough: (look) => sameBackend(look, first) || look.fresh },
  );
  return { looks, cut };
}

/**
 * What the probe sees on `db` (see above); reads only. Each look is a READ ONLY transaction that
 * is rolled back: nothing to commit, and the backfill's COMMITs stay the only ones it sends.
 */
export async function probeServerSession(db: Queryable, io: ProbeIo): Promise<ProbeFacts> {
  let first: FirstLook;
  try {
    first = await withRolledBackTransaction(db, firstLook, { mode: 'read-only' });
  } catch (error) {
    const refusal = transactionRefusal(error);
    if (refusal !== null) return { transactionRefused: refusal };
    throw error;
  }
  const facts = {
    transactionRefused: null,
    first,
    socket: io.socket,
    helpers: [] as HelperLook[],
    helpersCut: null as string | null,
    later: [] as BackendIdentity[],
  };
  if (isDirect(first, io.socket)) return facts;
  const { looks, cut } = await lookThroughHelpers(first, io);
  facts.helpers = looks;
  facts.helpersCut = cut;
  if (looks.some((look) => sameBackend(look, first))) return facts;
  for (let i = 0; i < LATER_LOOKS; i++) facts.later.push(await withRolledBackTransaction(db, identity, { mode: 'read-only' }));
  return facts;
}
