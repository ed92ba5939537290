/** Options every command accepts: where the database is and where things live in it. */
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { databaseUrl, duration, flag, identifier } from './fields.js';

export const DEFAULT_STATE_SCHEMA = 'aibridge_migrate';
export const DEFAULT_MIGRATIONS_TABLE = 'aibridge_migrate_migrations';

export const connectionShape = {
  databaseUrl: databaseUrl().optional(),
  /** Schema of the application's aibridge_* tables. */
  schema: identifier().default('public'),
  /** The toolkit's own schema: backfill ledger and checkpoints. */
  stateSchema: identifier().default(DEFAULT_STATE_SCHEMA),
  /** Schema of node-pg-migrate's bookkeeping table. */
  migrationsSchema: identifier().default('public'),
  migrationsTable: identifier().default(DEFAULT_MIGRATIONS_TABLE),
  connectTimeout: duration(100, 600_000).default(10_000),
  json: flag().default(false),
  debug: flag().default(false),
} as const;

export type ConnectionOptions = z.output<z.ZodObject<typeof connectionShape>>;

/** Like ConnectionOptions, but with the database URL known to be present. */
export type ConnectedOptions = Omit<ConnectionOptions, 'databaseUrl'> & { databaseUrl: string };

/** The URL is optional in the schema so that a missing one is reported with the fix. */
export function requireDatabaseUrl<T extends { databaseUrl?: string | undefined }>(options: T): T & { databaseUrl: string } {
  if (!options.databaseUrl) {
    throw new UsageError(['no database URL: pass --database-url postgres://user:pass@host:5432/db or set DATABASE_URL'], {
      hint: 'The URL can also come from AIBRIDGE_MIGRATE_DATABASE_URL or a --config file.',
    });
  }
  return options as T & { databaseUrl: string };
}
