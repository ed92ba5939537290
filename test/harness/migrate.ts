/** Shared arrangements for the migrate-* integration tests. */
import pg from 'pg';
import { migrateDeps, type MigrateDeps } from '../../src/migrate/deps.js';
import { systemRuntime } from '../../src/runtime.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface CapturedLog {
  lines: string[];
  deps: MigrateDeps;
}

/** Real clock and connections; a log that is kept for assertions; no randomness in delays. */
export function testDeps(overrides: Partial<MigrateDeps> = {}): CapturedLog {
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(`warning: ${m}`), debug: () => {} };
  return { lines, deps: migrateDeps(systemRuntime({ log, random: () => 0.5 }), overrides) };
}

export async function columnsOf(
  url: string,
  schema = 'public',
): Promise<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = 'aibridge_token_usages' AND column_name LIKE 'cache%' ORDER BY column_name`,
      [schema],
    );
    return rows;
  } finally {
    await client.end();
  }
}

export { withClient } from './client.js';

/** The harness's createTestDatabase, which already tolerates idle clients ended by its drop(). */
export const freshDatabase = (): Promise<TestDatabase> => createTestDatabase();
