/**
 * Does a connection keep one server session? Judged (purely) from what the probe saw
 * (probe.ts), so every case is tested by a table without a pooler in that state.
 */
import type { Endpoint, SocketEnds } from '../connect.js';

/** A server session: its pid, and when it started (a pid alone can be reused by a later backend). */
export interface BackendIdentity {
  pid: number;
  /** extract(epoch FROM backend_start), as text: exact, and the same whatever DateStyle or TimeZone. */
  backendStart: string;
}

/** The probe's first transaction on the connection under test. */
export interface FirstLook extends BackendIdentity {
  /** The client as the server sees it (inet_client_addr(), inet_client_port()); null over a Unix socket. */
  clientAddr: string | null;
  clientPort: number | null;
  /** The server's end of the connection (inet_server_addr(), inet_server_port()); null over a Unix socket. */
  serverAddr: string | null;
  serverPort: number | null;
  /** statement_timestamp() of that transaction, as an epoch: a server session started later is a fresh one. */
  at: string;
}

/**
 * The first look's server session as pg_stat_activity showed it to a helper. Between its
 * transactions the connection under test runs nothing, so on a session of its own it stays
 * idle after the first look's ROLLBACK; null fields: not shown (another role's session without
 * pg_read_all_stats, track_activities off).
 */
export interface FirstSessionSeen {
  state: string | null;
  query: string | null;
  /** extract(epoch FROM state_change), as text. */
  stateChange: string | null;
}

/** A second connection to the same URL, inside a transaction it keeps open while the probe goes on. */
export interface HelperLook extends BackendIdentity {
  /** Its server session started after the first look: the pooler had no idle one to hand out. */
  fresh: boolean;
  /** The first look's server session, as this helper saw it; null when it was gone. */
  firstSession: FirstSessionSeen | null;
}

/** What the first look's last statement left in pg_stat_activity.query. */
export const FIRST_LOOK_LAST_STATEMENT = 'ROLLBACK';

/**
 * Whether the helpers saw another client's statements in the first look's server session: busy,
 * or idle after a statement that was not the first look's last, or changing state from one
 * helper's look to the next (the connection under test sent nothing meanwhile).
 */
export function firstSessionUsedByAnother(looks: readonly HelperLook[]): boolean {
  const seen = looks.flatMap((look) => (look.firstSession ? [look.firstSession] : []));
  const busy = seen.some((s) => s.state !== null && s.state !== 'idle');
  const otherStatement = seen.some(
    (s) => s.query !== null && s.query !== '<insufficient privilege>' && s.query !== FIRST_LOOK_LAST_STATEMENT,
  );
  const changes = new Set(seen.flatMap((s) => (s.stateChange === null ? [] : [s.stateChange])));
  return busy || otherStatement || changes.size > 1;
}

export type ProbeFacts =
  /** The pooler refused BEGIN (statement pooling): its message. */
  | { transactionRefused: string }
  | {
      transactionRefused: null;
      first: FirstLook;
      /** Both ends of the connection as this process sees them; null over a Unix socket. */
      socket: SocketEnds | null;
      /** In the order they were opened; the probe stops at one that settles the question. */
      helpers: HelperLook[];
      /** Why the probe opened no further helper before settling it (a pool with no free server connection), or null. */
      helpersCut: string | null;
      /** The connection's later transactions, after the helpers let go. */
      later: BackendIdentity[];
    };

export type SessionVerdict =
  | { kind: 'session'; reason: string }
  | {
      kind: 'pooled';
      mode: 'transaction' | 'statement';
      /** What the probe saw, for the message. */
      evidence: string;
      /** The server sessions the connection was seen on or shared. */
      backendPids: number[];
    };

export function sameBackend(a: BackendIdentity, b: BackendIdentity): boolean {
  return a.pid === b.pid && a.backendStart === b.backendStart;
}

function bareAddress(address: string): string {
  return address.replace(/^::ffff:/i, '');
}

function sameEndpoint(address: string | null, port: number | null, end: Endpoint): boolean {
  return address !== null && port === end.port && bareAddress(address) === bareAddress(end.address);
}

/**
 * The server sees this very socket: both its ends are ours, so nothing sits between (a pooler
 * or proxy connects to the server from a socket of its own). Both ends, not only ours: a pooler
 * on this host connects to the server from a port of its own, and Linux may give that port to
 * this process's socket to the pooler as well (a port is shared between connections to
 * different destinations) — then the server sees our address and port, through a pooler. In a
 * clean-clone run of .ci/run (2026-12-06) one of 300 checks through PgBouncer on loopback was
 * judged direct; this is the only way I know for that. The server's end then differs: the
 * pooler's port is not the server's.
 */
export function isDirect(
  first: Pick<FirstLook, 'clientAddr' | 'clientPort' | 'serverAddr' | 'serverPort'>,
  socket: SocketEnds | null,
): boolean {
  return (
    socket !== null &&
    sameEndpoint(first.clientAddr, first.clientPort, socket.local) &&
    sameEndpoint(first.serverAddr, first.serverPort, socket.remote)
  );
}

export function judgeProbe(facts: ProbeFacts): SessionVerdict {
  if (facts.transactionRefused !== null) {
    return {
      kind: 'pooled',
      mode: 'statement',
      evidence: `the connection refused a transaction block ("${facts.transactionRefused}")`,
      backendPids: [],
    };
  }
  const { first } = facts;
  if (isDirect(first, facts.socket)) {
    return {
      kind: 'session',
      reason: `the server sees this connection's own address and port: a direct connection (backend pid ${first.pid})`,
    };
  }
  const shared = facts.helpers.find((h) => sameBackend(h, first));
  if (shared) {
    return {
      kind: 'pooled',
      mode: 'transaction',
      evidence: `a second connection to the same URL was handed this connection's server session (backend pid ${first.pid}) while this one sat between transactions`,
      backendPids: [first.pid],
    };
  }
  if (firstSessionUsedByAnother(facts.helpers)) {
    return {
      kind: 'pooled',
      mode: 'transaction',
      evidence: `another client's statements ran in this connection's server session (backend pid ${first.pid}) while this one sat between transactions`,
      backendPids: [first.pid],
    };
  }
  const moved = facts.later.filter((l) => !sameBackend(l, first));
  if (moved.length > 0) {
    const pids = [...new Set([first.pid, ...moved.map((l) => l.pid)])];
    return {
      kind: 'pooled',
      mode: 'transaction',
      evidence: `consecutive transactions on one connection ran in different server sessions (backend pids ${pids.join(', ')})`,
      backendPids: pids,
    };
  }
  const helpers = facts.helpers.length;
  const others =
    helpers === 0
      ? 'no second connection could be opened to check it'
      : facts.helpers.some((h) => h.fresh)
        ? 'a second connection got a server session of its own'
        : `${helpers} other connection${helpers > 1 ? 's were' : ' was'} never handed it`;
  return {
    kind: 'session',
    reason: `its transactions stayed in one server session (backend pid ${first.pid}) and ${others}${facts.helpersCut ? ` (${facts.helpersCut})` : ''}`,
  };
}
