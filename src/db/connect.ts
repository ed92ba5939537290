/** Opening connections: one place that sets the session up and classifies failures. */
import type pg from 'pg';
import { translatePgError } from './pg-errors.js';

export const APPLICATION_NAME = 'aibridge-migrate';

export interface ConnectOptions {
  databaseUrl: string;
  /** Shown in pg_stat_activity, so a DBA sees who holds what. */
  applicationName?: string;
  connectTimeoutMs?: number;
  /** Session settings applied right after connecting (values are sent as parameters). */
  settings?: Record<string, string>;
}

export async function connect(options: ConnectOptions): Promise<pg.Client> {
  // pg is loaded lazily: `--help` and `--version` must not pay for it.
  const { default: pgModule } = await import('pg');
  const client = new pgModule.Client({
    connectionString: options.databaseUrl,
    application_name: options.applicationName ?? APPLICATION_NAME,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  });
  // An idle client whose server goes away emits 'error'; without a listener Node crashes.
  // The next query on it fails and is classified there.
  client.on('error', () => {});
  try {
    await client.connect();
    for (const [name, value] of Object.entries(options.settings ?? {})) {
      await client.query('SELECT set_config($1, $2, false)', [name, value]);
    }
  } catch (error) {
    await client.end().catch(() => {});
    throw translatePgError(error, { databaseUrl: options.databaseUrl, action: 'connecting' });
  }
  return client;
}
