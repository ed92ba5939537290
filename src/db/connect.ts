/** Opening connections: one place that sets the session up and classifies failures. */
import type pg from 'pg';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConnectionError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { formatSeconds } from '../text/format.js';
import { isTlsRefused, sqlState, SQLSTATE, translatePgError } from './pg-errors.js';
import type { Queryable } from './port.js';
import { retryDelayMs, type RetryPolicy } from '../retry-policy.js';
import { sql } from './sql.js';
import type { ConnectionTarget } from './target.js';

export const APPLICATION_NAME = 'aibridge-migrate';

export interface ConnectOptions {
  target: ConnectionTarget;
  /** Shown in pg_stat_activity, so a DBA sees who holds what. */
  applicationName?: string;
  /**
   * Session settings applied right after connecting (values are sent as parameters). Only on a
   * connection known to be its own server session: through a transaction-mode pooler they
   * would stay with a pooled server connection that other clients then use (see src/db/pooler).
   */
  settings?: Record<string, string>;
  /** --connect-retry's clock, waits and jitter, and the log where it names each failed attempt. */
  runtime: Pick<Runtime, 'clock' | 'sleep' | 'random' | 'log'>;
}

/**
 * --connect-retry's backoff: full jitter (many processes started together, say a Kubernetes
 * Job's pods after a failover, spread out instead of knocking at once), from 250 ms up to 5 s.
 */
export const CONNECT_RETRY_POLICY: Omit<RetryPolicy, 'retries'> = { baseDelayMs: 250, maxDelayMs: 5_000, jitter: 'full' };

const NOT_THERE_YET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
]);

/**
 * A server that is not (yet) there: refused or unreachable, starting up or shutting down
 * (57P03, 57P01), out of connection slots (53300), or silent past connect_timeout. A wrong
 * password, a missing database or a TLS failure is no better on the next attempt.
 */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NOT_THERE_YET.has(code)) return true;
  const state = sqlState(error);
  if (state === SQLSTATE.cannotConnectNow || state === SQLSTATE.adminShutdown || state === SQLSTATE.tooManyConnections) return true;
  const message = error instanceof Error ? error.message : '';
  return /timeout expired|connection timeout|Connection terminated unexpectedly/i.test(message);
}

/** Settings for the rest of the session (set_config(…, false)), one statement each. */
export async function applySessionSettings(db: Queryable, settings: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(settings)) {
    const set = sql`SELECT set_config(${name}, ${value}, false)`;
    await db.query(set.text, set.values);
  }
}

/** One end of a TCP connection: an address and a port. */
export interface Endpoint {
  address: string;
  port: number;
}

/** Both ends of a TCP connection as this process sees them: its own, and the one it dialled. */
export interface SocketEnds {
  local: Endpoint;
  remote: Endpoint;
}

/** Both ends of a connected client's socket (pg keeps it on `connection.stream`); null over a Unix socket. */
export function socketEnds(client: pg.Client): SocketEnds | null {
  const stream = (
    client as unknown as {
      connection?: { stream?: { localAddress?: string; localPort?: number; remoteAddress?: string; remotePort?: number } };
    }
  ).connection?.stream;
  if (!stream?.localAddress || !stream.localPort || !stream.remoteAddress || !stream.remotePort) return null;
  return {
    local: { address: stream.localAddress, port: stream.localPort },
    remote: { address: stream.remoteAddress, port: stream.remotePort },
  };
}

/**
 * node's TLS options for libpq's sslmode. `verify: 'ca'` checks the chain but not the name
 * (verify-ca, or require with a root certificate); `none` accepts any certificate, which is
 * what libpq's require and prefer do without one.
 */
export function tlsOptions(target: ConnectionTarget): TlsOptions {
  const { tls, secrets } = target;
  return {
    rejectUnauthorized: tls.verify !== 'none',
    ...(tls.verify === 'ca' ? { checkServerIdentity: () => undefined } : {}),
    // sslrootcert=system: node's bundled and system CAs, i.e. no `ca` option.
    ...(secrets.ca !== null ? { ca: secrets.ca } : {}),
    ...(secrets.cert !== null ? { cert: secrets.cert } : {}),
    ...(secrets.key !== null ? { key: secrets.key } : {}),
    // With hostaddr, the address is dialled but the certificate must name the host (libpq).
    ...(target.hostaddr && target.host ? { servername: target.host } : {}),
  };
}

/** pg's settings, every one explicit: pg never falls back to its own PG* reading or URL parser. */
export function pgConfig(
  target: ConnectionTarget,
  withTls: boolean,
  applicationName: string,
  auth: AuthSeen = { method: null, mechanisms: [] },
): pg.ClientConfig {
  return {
    host: target.hostaddr ?? target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    // A function, so pg never consults the pgpass module itself (target.ts has read the file
    // with libpq's rules) and a missing password is reported as such.
    password: async () => {
      // libpq's channel_binding=require: never answer an exchange that cannot be bound to the
      // TLS session (a password or MD5 request, SCRAM without -PLUS): the password stays here.
      if (target.channelBinding === 'require' && !(auth.method === 'sasl' && auth.mechanisms.includes(SCRAM_PLUS) && withTls)) {
        throw channelBindingRefused(target, auth, withTls);
      }
      if (target.secrets.password !== null) return target.secrets.password;
      throw new ConnectionError(`${target.label} asks for a password for user "${target.user}" and none was given`, {
        hint: `Put it in the URL, in PGPASSWORD, or in ${target.passfile ?? '~/.pgpass'} (a line host:port:database:user:password, file mode 0600); or use --database-url-file to read the URL from a secret file.`,
      });
    },
    ssl: withTls ? tlsOptions(target) : false,
    // pg picks SCRAM-SHA-256-PLUS whenever the server offers it over TLS (libpq's prefer).
    enableChannelBinding: target.channelBinding !== 'disable',
    application_name: applicationName,
    connectionTimeoutMillis: target.connectTimeoutMs,
    ...(target.options !== null ? { options: target.options } : {}),
  };
}

const SCRAM_PLUS = 'SCRAM-SHA-256-PLUS';

/** How the server asked this connection to authenticate (null: it did not ask: trust). */
export interface AuthSeen {
  method: 'sasl' | 'password' | 'md5' | null;
  mechanisms: string[];
}

function channelBindingRefused(target: ConnectionTarget, auth: AuthSeen, withTls: boolean): ConnectionError {
  const why = !withTls
    ? 'the connection does not use TLS (the server refused it, and sslmode allowed a plain connection)'
    : auth.method === null
      ? 'the server let the role in without any password exchange (trust or peer authentication), so nothing was bound'
      : auth.method === 'sasl'
        ? `the server offered only ${auth.mechanisms.join(', ')} (no ${SCRAM_PLUS})`
        : `the server asked for ${auth.method === 'md5' ? 'an MD5' : 'a clear-text'} password, which cannot be bound to the TLS session`;
  return new ConnectionError(`channel_binding=require refused ${target.label}: ${why}`, {
    hint: `Channel binding needs SCRAM-SHA-256 authentication over TLS (pg_hba.conf method scram-sha-256, password_encryption = scram-sha-256, ssl = on). Managed databases that do not offer it need channel_binding=prefer.`,
  });
}

export async function connect(options: ConnectOptions): Promise<pg.Client> {
  const { target } = options;
  if (target.connectRetryMs <= 0) return connectOnce(options);
  const { clock, sleep, random, log } = options.runtime;
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(options);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      const delay = retryDelayMs(attempt, CONNECT_RETRY_POLICY, random);
      const spent = clock.now() - started;
      if (!isUnavailable(cause) || spent + delay > target.connectRetryMs) {
        if (isUnavailable(cause) && error instanceof ConnectionError) {
          error.message = `${error.message} (after ${attempt} attempt${attempt === 1 ? '' : 's'} in ${formatSeconds(spent)}; --connect-retry ${formatSeconds(target.connectRetryMs)} spent)`;
        }
        throw error;
      }
      log.warn(
        `connect attempt ${attempt} to ${target.label} failed (${describeUnavailable(cause)}); retrying in ${formatSeconds(delay)}, ${formatSeconds(target.connectRetryMs - spent)} of --connect-retry left`,
      );
      await sleep(delay);
    }
  }
}

function describeUnavailable(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

async function connectOnce(options: ConnectOptions): Promise<pg.Client> {
  // pg is loaded lazily: `--help` and `--version` must not pay for it.
  const { default: pgModule } = await import('pg');
  const { target } = options;
  const open = async (withTls: boolean): Promise<pg.Client> => {
    const auth: AuthSeen = { method: null, mechanisms: [] };
    const client = new pgModule.Client(pgConfig(target, withTls, options.applicationName ?? APPLICATION_NAME, auth));
    // An idle client whose server goes away emits 'error'; without a listener Node crashes.
    // The next query on it fails and is classified there.
    client.on('error', () => {});
    // Registered before pg's own listeners (attached in connect()), so these run first.
    const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    connection.on('authenticationSASL', (message: { mechanisms: string[] }) =>
      Object.assign(auth, { method: 'sasl', mechanisms: message.mechanisms }),
    );
    connection.on('authenticationCleartextPassword', () => (auth.method = 'password'));
    connection.on('authenticationMD5Password', () => (auth.method = 'md5'));
    try {
      await client.connect();
      // Trust authentication never asks for a password: require refuses after the fact, as libpq does.
      if (target.channelBinding === 'require' && !(auth.method === 'sasl' && auth.mechanisms.includes(SCRAM_PLUS) && withTls)) {
        throw channelBindingRefused(target, auth, withTls);
      }
      await applySessionSettings(client, options.settings ?? {});
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
  };
  try {
    if (!target.tls.attempt) return await open(false);
    try {
      return await open(true);
    } catch (error) {
      // sslmode=prefer: pg has no such mode; a server that answers the SSLRequest with "no"
      // gets a second, plain connection, as libpq does.
      if (target.tls.mode === 'prefer' && isTlsRefused(error)) return await open(false);
      throw error;
    }
  } catch (error) {
    throw translatePgError(error, { connection: target, action: 'connecting' });
  }
}
