/** Brings a test database to the post-`up` state through the real migration runner. */
import pg from 'pg';
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

/**
 * `down` until only the columns migration is left applied: reverts the ledger's migrations,
 * newest first, however many this version ships (each `down` reverts one).
 */
export async function downToColumns(databaseUrl: string, options: Record<string, unknown> = {}): Promise<void> {
  const { migrateDown } = await import('../../src/migrate/index.js');
  const { COLUMNS_MIGRATION } = await import('../../src/migrate/session.js');
  for (;;) {
    const result = await migrateDown({ databaseUrl, ...options });
    if (result.reverted === null || result.stillApplied.at(-1) === COLUMNS_MIGRATION) return;
  }
}

/** Every migration this version ships, in order (file names without their extension). */
export const SHIPPED_MIGRATIONS: readonly string[] = (await import('node:fs'))
  .readdirSync(new URL('../../migrations/', import.meta.url))
  .filter((f) => /^\d+_.*\.ts$/.test(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

/** The columns migration comes first; every later one belongs to the toolkit's own ledger. */
export const LEDGER_MIGRATIONS = SHIPPED_MIGRATIONS.slice(1);
