/**
 * Finds and loads this toolkit's migrations for node-pg-migrate. From source (tests, tsx) the
 * directory holds .ts files; from the built package it is dist/migrations with .js files; a
 * release bundle carries them inside itself (src/embedded.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EMBEDDED } from '../embedded.js';
import type { Queryable } from '../db/port.js';
import { setLocal } from '../db/transaction.js';
import type { Clock } from '../runtime.js';
import type { MigrationContext, ToolkitMigration } from './migration.js';

/** migrations/ next to src/ — in the source tree or in dist/. */
export function migrationsDirectory(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', '..', 'migrations');
}

/** node-pg-migrate reads every file in the directory; these are not migrations. */
export const IGNORE_PATTERN = '(\\..*)|(.*\\.d\\.ts)|(.*\\.map)';

export interface LoadedMigration {
  /** The file name without extension, as recorded in the migrations table. */
  name: string;
  file: string;
  migration: ToolkitMigration;
}

const MIGRATION_FILE = /^\d+_[\w-]+\.(ts|js)$/;

export function migrationFiles(dir = migrationsDirectory()): string[] {
  return fs
    .readdirSync(dir)
    .filter((file) => MIGRATION_FILE.test(file) && !file.endsWith('.d.ts'))
    .sort()
    .map((file) => path.join(dir, file));
}

/** A migration file's default export (from disk, or carried by a release bundle), checked for its shape. */
function asMigration(value: unknown, file: string): ToolkitMigration {
  const migration = value as Partial<ToolkitMigration> | undefined;
  if (typeof migration?.up !== 'function' || typeof migration.down !== 'function') {
    throw new Error(`${file} does not default-export a migration ({ description, up, down })`);
  }
  return migration as ToolkitMigration;
}

export async function loadMigration(file: string): Promise<LoadedMigration> {
  const name = path.basename(file).replace(/\.(ts|js)$/, '');
  const embedded = EMBEDDED?.migrations.find((m) => m.name === name);
  if (embedded) return { name, file, migration: asMigration(embedded.migration, file) };
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  return { name, file, migration: asMigration(module.default, file) };
}

export async function loadMigrations(dir?: string): Promise<LoadedMigration[]> {
  if (EMBEDDED && dir === undefined) {
    return EMBEDDED.migrations.map(({ name, migration }) => ({
      name,
      file: `${name}.js`,
      migration: asMigration(migration, `${name}.js`),
    }));
  }
  return Promise.all(migrationFiles(dir ?? migrationsDirectory()).map(loadMigration));
}

/**
 * Runs `work` with a directory node-pg-migrate can list: `dir`, else migrations/. A release
 * bundle has no such folder, and node-pg-migrate 9 takes migrations only as files in a
 * directory: there it lists a temporary one holding an empty file per embedded migration,
 * which loadMigration resolves to the embedded module by name (the files are never read).
 */
export async function withMigrationsDirectory<T>(dir: string | undefined, work: (dir: string) => Promise<T>): Promise<T> {
  if (!EMBEDDED || dir !== undefined) return work(dir ?? migrationsDirectory());
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'aibridge-migrate-migrations-'));
  try {
    for (const { name } of EMBEDDED.migrations) fs.writeFileSync(path.join(temp, `${name}.js`), '');
    return await work(temp);
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

export interface MigrationEvent {
  name: string;
  direction: 'up' | 'down';
  /** From BEGIN to the end of the migration's own statements (its COMMIT follows at once). */
  durationMs: number;
}

export interface LoaderHooks {
  /**
   * Settings local to each migration's transaction (lock_timeout): they hold there even when
   * the connection's session settings cannot be relied on (a transaction-mode pooler).
   */
  local?: Record<string, string>;
  /** Told when a migration's body has run inside its transaction. */
  migrated?: MigratedHook;
}

/** Where a migration's end is reported, with its duration on the caller's clock. */
export interface MigratedHook {
  clock: Pick<Clock, 'now'>;
  report: (event: MigrationEvent) => void;
}

/** node-pg-migrate's `pgm.db`, as our migration bodies use it. */
type PgmDb = Queryable;

/**
 * Wraps one migration body in its own transaction.
 *
 * node-pg-migrate 9 runs a migration function first and only then sends the SQL steps it
 * collected, framed by BEGIN … INSERT INTO <bookkeeping> … COMMIT. Our bodies query directly
 * (they must read the catalog to decide), so without this their statements would run in
 * autocommit, before node-pg-migrate's BEGIN: a failure halfway would leave half a migration
 * applied and unrecorded, and LOCK TABLE (which only works inside a transaction) would fail.
 * So the body opens the transaction itself; node-pg-migrate's own BEGIN then only draws a
 * harmless "already a transaction in progress" WARNING, and its COMMIT commits the body
 * together with the bookkeeping row. If the body fails we roll back here, so nothing of it
 * remains and no row is recorded.
 */
function transactional(
  name: string,
  direction: 'up' | 'down',
  body: (db: PgmDb) => Promise<void>,
  hooks: LoaderHooks,
): (pgm: { db: PgmDb }) => Promise<void> {
  const { migrated } = hooks;
  return async (pgm) => {
    const started = migrated?.clock.now() ?? 0;
    // READ COMMITTED named here, not left to the session's default (see src/migrate/session.ts).
    await pgm.db.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    try {
      await setLocal(pgm.db, hooks.local ?? {});
      await body(pgm.db);
    } catch (error) {
      await pgm.db.query('ROLLBACK').catch(() => {});
      throw error;
    }
    migrated?.report({ name, direction, durationMs: migrated.clock.now() - started });
  };
}

/** A node-pg-migrate loader strategy that binds each migration to `context`. */
export function loaderStrategy(context: MigrationContext, hooks: LoaderHooks = {}) {
  return {
    extensions: ['.ts', '.js'],
    loader: async (filePaths: string[]) =>
      Promise.all(
        filePaths.map(async (filePath) => {
          const { name, migration } = await loadMigration(filePath);
          return {
            id: filePath,
            filePaths: [filePath],
            actions: {
              up: transactional(name, 'up', (db) => migration.up(db, context), hooks),
              down: transactional(name, 'down', (db) => migration.down(db, context), hooks),
            },
          };
        }),
      ),
  };
}
