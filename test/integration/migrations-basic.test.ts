import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { applyToolkitMigrations, TOOLKIT_MIGRATIONS } from '../harness/toolkit-schema.js';

describe('toolkit migrations through node-pg-migrate', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('adds both cache columns as BIGINT NOT NULL DEFAULT 0 and creates the ledger, once', async () => {
    const first = await applyToolkitMigrations(db.url);
    expect(first).toEqual(TOOLKIT_MIGRATIONS);
    const { rows } = await db.query(
      `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
        WHERE table_name = 'aibridge_token_usages' AND column_name LIKE 'cache_%' ORDER BY column_name`,
    );
    expect(rows).toEqual([
      { column_name: 'cache_read_input_tokens', data_type: 'bigint', is_nullable: 'NO', column_default: '0' },
      { column_name: 'cache_write_input_tokens', data_type: 'bigint', is_nullable: 'NO', column_default: '0' },
    ]);
    const ledger = await db.query(`SELECT to_regclass('aibridge_migrate.backfill_runs') IS NOT NULL AS ok`);
    expect(ledger.rows[0].ok).toBe(true);
    expect(await applyToolkitMigrations(db.url)).toEqual([]);
  });
});
