/**
 * Runs this toolkit's migrations with node-pg-migrate: its own bookkeeping table, its
 * advisory lock (our own key, try-lock: a second runner is told at once instead of hanging),
 * and one transaction per migration (singleTransaction: false, each body wrapped by the
 * loader), so a failed migration rolls back alone and leaves earlier ones applied.
 */
import type pg from 'pg';
import { assertBookkeepingNames, MIGRATION_LOCK_ID } from './bookkeeping.js';
import { IGNORE_PATTERN, loaderStrategy, withMigrationsDirectory, type MigrationEvent } from './loader.js';
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
  /** node-pg-migrate's own chatter (it logs every failed statement); route it to debug output. */
  log?: (message: string) => void;
  onMigrated?: (event: MigrationEvent) => void;
  now?: () => number;
}

/** node-pg-migrate's message when pg_try_advisory_lock returns false. */
const LOCK_HELD = /Another migration is already running/;

export function isMigrationLockHeld(error: unknown): boolean {
  return error instanceof Error && LOCK_HELD.test(error.message);
}

export async function runMigrations(options: RunMigrationsOptions): Promise<{ name: string }[]> {
  assertBookkeepingNames(options.migrationsSchema, options.migrationsTable);
  const { runner } = await import('node-pg-migrate');
  const log = options.log ?? (() => {});
  try {
    const applied = await withMigrationsDirectory(options.dir, (dir) =>
      runner({
        dbClient: options.client,
        dir,
        ignorePattern: IGNORE_PATTERN,
        migrationsTable: options.migrationsTable,
        migrationsSchema: options.migrationsSchema,
        createMigrationsSchema: options.migrationsSchema !== 'public',
        direction: options.direction,
        count: options.count ?? (options.direction === 'down' ? 1 : Infinity),
        singleTransaction: false,
        checkOrder: true,
        lockValue: MIGRATION_LOCK_ID,
        advisoryLockMode: 'fail',
        migrationLoaderStrategies: [loaderStrategy(options.context, { onMigrated: options.onMigrated, now: options.now })],
        logger: { debug: log, info: log, warn: log, error: log },
      }),
    );
    return applied.map((m) => ({ name: m.name }));
  } catch (error) {
    // node-pg-migrate neither rolls back a failed bookkeeping INSERT/COMMIT nor can it release
    // its advisory lock inside the aborted transaction that leaves: clean both up so the
    // caller may retry on this connection. (A body's own failure was already rolled back.)
    await options.client.query('ROLLBACK').catch(() => {});
    await options.client.query('SELECT pg_advisory_unlock($1::bigint)', [String(MIGRATION_LOCK_ID)]).catch(() => {});
    throw error;
  }
}
