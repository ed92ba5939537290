/** Brings a test database to the post-`up` state through the real migration runner. */
import path from 'node:path';
import pg from 'pg';
import { migrationFiles } from '../../src/migrate/loader.js';
import { DEFAULT_MIGRATIONS_TABLE, DEFAULT_STATE_SCHEMA } from '../../src/config/common.js';
import { runMigrations } from '../../src/migrate/runner.js';
import { COLUMNS_MIGRATION } from '../../src/migrate/session.js';

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

/**
 * `down` until only the columns migration is left applied: reverts the ledger's migrations,
 * newest first, however many this version ships (each `down` reverts one).
 */
export async function downToColumns(databaseUrl: string, options: Record<string, unknown> = {}): Promise<void> {
  const { migrateDown } = await import('../../src/migrate/index.js');
  for (;;) {
    const result = await migrateDown({ databaseUrl, ...options });
    if (result.reverted === null || result.stillApplied.at(-1) === COLUMNS_MIGRATION) return;
  }
}

/** Every migration this version ships, in order (file names without their extension). */
export const SHIPPED_MIGRATIONS: readonly string[] = migrationFiles().map((file) => path.basename(file).replace(/\.(ts|js)$/, ''));

/**
 * The toolkit's migrations that `down` reverts before it reaches the columns migration: the
 * ledger's (its tables, then the columns added to them since), newest first.
 */
export const LEDGER_MIGRATIONS: readonly string[] = SHIPPED_MIGRATIONS.filter((name) => name > COLUMNS_MIGRATION).reverse();
