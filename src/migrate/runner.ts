/**
 * Runs this toolkit's migrations with node-pg-migrate: its own bookkeeping table, one
 * transaction per migration (singleTransaction: false, each body wrapped by the loader), so a
 * failed migration rolls back alone and leaves earlier ones applied.
 */
import type pg from 'pg';
import { releaseAdvisoryLock, tryAdvisoryLock } from '../db/advisory-lock.js';
import { reportUnreleasedLock } from '../db/session-locks.js';
import { assertBookkeepingNames, MIGRATION_LOCK_ID } from './bookkeeping.js';
import { IGNORE_PATTERN, loaderStrategy, withMigrationsDirectory, type MigratedHook } from './loader.js';
import type { MigrationContext } from './migration.js';

const MIGRATION_LOCK = BigInt(MIGRATION_LOCK_ID);

export interface RunMigrationsOptions {
  /** A connected client; session settings (lock_timeout) set on it apply to the statements outside the migrations' own transactions. */
  client: pg.Client;
  direction: 'up' | 'down';
  /** How many to apply (up) or revert (down); default: all pending for up, 1 for down. */
  count?: number;
  context: MigrationContext;
  migrationsSchema: string;
  migrationsTable: string;
  dir?: string;
  /** Settings local to each migration's transaction (lock_timeout), see loader.ts. */
  local?: Record<string, string>;
  /** node-pg-migrate's own chatter (it logs every failed statement); route it to debug output. */
  log?: (message: string) => void;
  /** Told when the migration lock stayed behind on another server session. */
  warn?: (message: string) => void;
  migrated?: MigratedHook;
}

/** Said when another up or down holds the migration lock (node-pg-migrate's words, kept). */
const LOCK_HELD = /Another migration is already running/;

export function isMigrationLockHeld(error: unknown): boolean {
  return error instanceof Error && LOCK_HELD.test(error.message);
}

/**
 * The migration lock (our own key, try-lock: a second runner is told at once instead of
 * hanging) is taken and released here, not by node-pg-migrate: its unlock ignores what
 * PostgreSQL answers, and behind a transaction-mode pooler (--pooler-ok) that answer says
 * whether the unlock ran on another server session, leaving the lock behind on the one that
 * holds it — which the operator must then hear, with that session's pid.
 */
export async function runMigrations(options: RunMigrationsOptions): Promise<{ name: string }[]> {
  assertBookkeepingNames(options.migrationsSchema, options.migrationsTable);
  const { runner } = await import('node-pg-migrate');
  const log = options.log ?? (() => {});
  const { client } = options;
  if (!(await tryAdvisoryLock(client, MIGRATION_LOCK))) {
    throw new Error(`Another migration is already running: the migration lock (advisory key ${MIGRATION_LOCK_ID}) is held.`);
  }
  try {
    const applied = await withMigrationsDirectory(options.dir, (dir) =>
      runner({
        dbClient: client,
        dir,
        ignorePattern: IGNORE_PATTERN,
        migrationsTable: options.migrationsTable,
        migrationsSchema: options.migrationsSchema,
        createMigrationsSchema: options.migrationsSchema !== 'public',
        direction: options.direction,
        count: options.count ?? (options.direction === 'down' ? 1 : Infinity),
        singleTransaction: false,
        checkOrder: true,
        noLock: true,
        migrationLoaderStrategies: [loaderStrategy(options.context, { local: options.local, migrated: options.migrated })],
        logger: { debug: log, info: log, warn: log, error: log },
      }),
    );
    return applied.map((m) => ({ name: m.name }));
  } catch (error) {
    // node-pg-migrate does not roll back a failed bookkeeping INSERT/COMMIT: do it, so the lock
    // can be released below and the caller may retry on this connection. (A body's own
    // failure was already rolled back by the loader.)
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    const outcome = await releaseAdvisoryLock(client, MIGRATION_LOCK).catch(() => null);
    if (outcome && !outcome.released) {
      await reportUnreleasedLock(
        client,
        MIGRATION_LOCK,
        outcome.ranOnPid,
        options.warn ?? log,
        `of up and down (advisory key ${MIGRATION_LOCK_ID})`,
      );
    }
  }
}
