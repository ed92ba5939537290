/**
 * The preflight step every mutating command (up, down, backfill, apply) calls on its connection
 * before it sets anything for the session, takes a session-level lock or changes anything: does
 * this connection keep one server session? Through a transaction- or statement-mode pooler,
 * session settings and session locks would land on server connections other clients use next.
 */
import type pg from 'pg';
import type { Log, Runtime } from '../../runtime.js';
import { APPLICATION_NAME, connect, socketEnds, type ConnectOptions } from '../connect.js';
import type { Connector, Queryable, Session } from '../port.js';
import { withDatabase, type ConnectionTarget } from '../target.js';
import { poolerOkWarning, poolerRefusal } from './advice.js';
import { identifyPooler, PGBOUNCER_CONSOLE } from './identify.js';
import { probeServerSession, type ProbeIo } from './probe.js';
import { judgeProbe, type SessionVerdict } from './verdict.js';

/** How long a probe helper waits for a pooler to give it a server connection. */
export const HELPER_WAIT_MS = 5_000;

export interface SessionCheck extends ProbeIo {
  command: string;
  poolerOk: boolean;
  /** host:port/database, for messages. */
  label: string;
  port: number | null;
  database: string;
  /** Opens PgBouncer's admin console at the same address, to name the pooler. */
  connectConsole: Connector;
  log: Log;
}

/**
 * Returns how the connection was judged; throws PoolerError (exit 10) when the command must not
 * go on. A direct connection, a session-mode pooler or a TCP proxy keeps one server session; a
 * transaction- or statement-mode pooler (PgBouncer, Supavisor, RDS Proxy) does not, and is
 * refused unless the operator passed --pooler-ok, which a statement-mode pooler still refuses
 * (nothing could work through it).
 *
 *   const verdict = await requireOneServerSession(client, sessionCheck(client, { command: 'up', … }));
 *   if (verdict.kind === 'session') await applySessionSettings(client, …);
 *
 * Read-only commands (status, verify, the dry runs) do not call it: they set nothing for the
 * session and read inside single transactions, which any pooler keeps on one server session.
 */
export async function requireOneServerSession(db: Queryable, check: SessionCheck): Promise<SessionVerdict> {
  const verdict = judgeProbe(await probeServerSession(db, check));
  if (verdict.kind === 'session') {
    check.log.debug(`connection keeps one server session: ${verdict.reason}`);
    return verdict;
  }
  const pooler = await identifyPooler(check.connectConsole, check.database);
  const context = { command: check.command, label: check.label, port: check.port };
  if (verdict.mode === 'statement' || !check.poolerOk) throw poolerRefusal(verdict, pooler, context);
  check.log.warn(poolerOkWarning(verdict, pooler, context));
  return verdict;
}

/** The check for `client`, a connection to `target`; further connections are opened with `open` (default: connect()). */
export function sessionCheck(
  client: pg.Client,
  options: {
    command: string;
    poolerOk: boolean;
    target: ConnectionTarget;
    runtime: Runtime;
    open?: (options: ConnectOptions) => Promise<Session>;
  },
): SessionCheck {
  const { target, runtime } = options;
  const open = options.open ?? connect;
  const applicationName = `${APPLICATION_NAME} ${options.command} (pooler probe)`;
  return {
    command: options.command,
    poolerOk: options.poolerOk,
    label: target.label,
    port: target.socket ? null : target.port,
    database: target.database,
    connect: () => open({ target, applicationName, runtime }),
    connectConsole: () => open({ target: withDatabase(target, PGBOUNCER_CONSOLE), applicationName, runtime }),
    socket: socketEnds(client),
    helperWaitMs: HELPER_WAIT_MS,
    sleep: runtime.sleep,
    log: runtime.log,
  };
}
