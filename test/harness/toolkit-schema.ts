/** Brings a test database to the post-`up` state through the real migration runner. */
import path from 'node:path';
import pg from 'pg';
import { migrationFiles } from '../../src/migrate/loader.js';
import { DEFAULT_MIGRATIONS_TABLE, DEFAULT_STATE_SCHEMA } from '../../src/config/common.js';
import { runMigrations } from '../../src/migrate/runner.js';

export interface ToolkitSchemaOptions {
  appSchema?: string;
  stateSchema?: string;
  migrationsSchema?: string;
  migrationsTable?: string;
}

export async function applyToolkitMigrations(url: string, options: ToolkitSchemaOptions = {}): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const applied = await runMigrations({
      client,
      direction: 'up',
      context: { appSchema: options.appSchema ?? 'public', stateSchema: options.stateSchema ?? DEFAULT_STATE_SCHEMA },
      migrationsSchema: options.migrationsSchema ?? 'public',
      migrationsTable: options.migrationsTable ?? DEFAULT_MIGRATIONS_TABLE,
    });
    return applied.map((m) => m.name);
  } finally {
    await client.end();
  }
}

/** Every toolkit migration, in order: the first adds the columns, the others live in the state schema. */
export const TOOLKIT_MIGRATIONS: readonly string[] = migrationFiles().map((file) => path.basename(file).replace(/\.(ts|js)$/, ''));
/** The migrations `down` reverts before it reaches the columns, last first. */
export const STATE_MIGRATIONS: readonly string[] = TOOLKIT_MIGRATIONS.slice(1).reverse();
