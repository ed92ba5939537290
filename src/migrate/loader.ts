/**
 * Finds and loads this toolkit's migrations for node-pg-migrate. From source (tests, tsx) the
 * directory holds .ts files; from the built package it is dist/migrations with .js files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

export async function loadMigration(file: string): Promise<LoadedMigration> {
  const module = (await import(pathToFileURL(file).href)) as { default?: ToolkitMigration };
  if (!module.default || typeof module.default.up !== 'function') {
    throw new Error(`${file} does not default-export a migration ({ description, up, down })`);
  }
  return { name: path.basename(file).replace(/\.(ts|js)$/, ''), file, migration: module.default };
}

export async function loadMigrations(dir = migrationsDirectory()): Promise<LoadedMigration[]> {
  return Promise.all(migrationFiles(dir).map(loadMigration));
}

/** A node-pg-migrate loader strategy that binds each migration to `context`. */
export function loaderStrategy(context: MigrationContext) {
  return {
    extensions: ['.ts', '.js'],
    loader: async (filePaths: string[]) =>
      Promise.all(
        filePaths.map(async (filePath) => {
          const { migration } = await loadMigration(filePath);
          return {
            id: filePath,
            filePaths: [filePath],
            actions: {
              up: (pgm: { db: { query: (text: string, values?: unknown[]) => Promise<any> } }) => migration.up(pgm.db, context),
              down: (pgm: { db: { query: (text: string, values?: unknown[]) => Promise<any> } }) => migration.down(pgm.db, context),
            },
          };
        }),
      ),
  };
}
