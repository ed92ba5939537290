/** Opening connections: one place that sets the session up and classifies failures. */
import type pg from 'pg';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConnectionError } from '../errors.js';
import { isTlsRefused, translatePgError } from './pg-errors.js';
import type { Queryable } from './port.js';
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
}

/** Settings for the rest of the session (set_config(…, false)), one statement each. */
export async function applySessionSettings(db: Queryable, settings: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(settings)) {
    await db.query('SELECT set_config($1, $2, false)', [name, value]);
  }
}

/** This end of a TCP connection, as the server would see it; null over a Unix socket. */
export interface Endpoint {
  address: string;
  port: number;
}

/** Where a connected client's socket is bound locally (pg keeps the socket on `connection.stream`). */
export function clientEndpoint(client: pg.Client): Endpoint | null {
  const stream = (client as unknown as { connection?: { stream?: { localAddress?: string; localPort?: number } } }).connection?.stream;
  if (!stream?.localAddress || !stream.localPort) return null;
  return { address: stream.localAddress, port: stream.localPort };
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
export function pgConfig(target: ConnectionTarget, withTls: boolean, applicationName: string): pg.ClientConfig {
  return {
    host: target.hostaddr ?? target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    // A function, so pg never consults the pgpass module itself (target.ts has read the file
    // with libpq's rules) and a missing password is reported as such.
    password: async () => {
      if (target.secrets.password !== null) return target.secrets.password;
      throw new ConnectionError(`${target.label} asks for a password for user "${target.user}" and none was given`, {
        hint: `Put it in the URL, in PGPASSWORD, or in ${target.passfile ?? '~/.pgpass'} (a line host:port:database:user:password, file mode 0600); or use --database-url-file to read the URL from a secret file.`,
      });
    },
    ssl: withTls ? tlsOptions(target) : false,
    application_name: applicationName,
    connectionTimeoutMillis: target.connectTimeoutMs,
    ...(target.options !== null ? { options: target.options } : {}),
  };
}

export async function connect(options: ConnectOptions): Promise<pg.Client> {
  // pg is loaded lazily: `--help` and `--version` must not pay for it.
  const { default: pgModule } = await import('pg');
  const { target } = options;
  const open = async (withTls: boolean): Promise<pg.Client> => {
    const client = new pgModule.Client(pgConfig(target, withTls, options.applicationName ?? APPLICATION_NAME));
    // An idle client whose server goes away emits 'error'; without a listener Node crashes.
    // The next query on it fails and is classified there.
    client.on('error', () => {});
    try {
      await client.connect();
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
