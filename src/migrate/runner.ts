/**
 * Runs this toolkit's migrations with node-pg-migrate: its own bookkeeping table, its
 * advisory lock, and one transaction per migration (singleTransaction: false), so a failed
 * migration rolls back alone and leaves earlier ones applied.
 */
import type pg from 'pg';
import { IGNORE_PATTERN, loaderStrategy, migrationsDirectory } from './loader.js';
import type { MigrationContext } from './migration.js';

export interface RunMigrationsOptions {
  /** A connected client; session settings (lock_timeout) set on it apply to the migrations. */
  client: pg.Client;
  direction: 'up' | 'down';
  /** How many to apply (up) or revert (down); default: all pending for up, 1 for down. */
  count?: number;
  context: MigrationContext;
  migrationsSchema: string;
  migrationsTable: string;
  dir?: string;
  log?: (message: string) => void;
}

export async function runMigrations(options: RunMigrationsOptions): Promise<{ name: string }[]> {
  const { runner } = await import('node-pg-migrate');
  const log = options.log ?? (() => {});
  const applied = await runner({
    dbClient: options.client,
    dir: options.dir ?? migrationsDirectory(),
    ignorePattern: IGNORE_PATTERN,
    migrationsTable: options.migrationsTable,
    migrationsSchema: options.migrationsSchema,
    createMigrationsSchema: options.migrationsSchema !== 'public',
    direction: options.direction,
    count: options.count ?? (options.direction === 'down' ? 1 : Infinity),
    singleTransaction: false,
    checkOrder: true,
    migrationLoaderStrategies: [loaderStrategy(options.context)],
    logger: { debug: log, info: log, warn: log, error: log },
  });
  return applied.map((m) => ({ name: m.name }));
}
