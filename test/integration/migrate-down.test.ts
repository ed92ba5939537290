import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { DownRefusedError } from '../../src/errors.js';
import { migrateDown, migrateUp } from '../../src/migrate/index.js';
import { compileRuleSql } from '../../src/rule/index.js';
import type { TestDatabase } from '../harness/database.js';
import { columnsOf, freshDatabase, testDeps } from '../harness/migrate.js';
import { LEDGER_MIGRATIONS, SHIPPED_MIGRATIONS } from '../harness/toolkit-schema.js';

const [COLUMNS] = SHIPPED_MIGRATIONS;

async function bookkeepingNames(db: TestDatabase): Promise<string[]> {
  return (await db.query('SELECT name FROM public.aibridge_migrate_migrations ORDER BY id')).rows.map((r) => r.name);
}

/** What a finished forward backfill leaves: every column equal to what the rule reads from metadata. */
async function backfill(db: TestDatabase): Promise<void> {
  const rule = compileRuleSql('"t"."metadata"');
  await db.query(
    `UPDATE aibridge_token_usages AS t SET cache_read_input_tokens = ${rule.cacheRead}, cache_write_input_tokens = ${rule.cacheWrite}`,
  );
}

async function insertRow(db: TestDatabase, metadata: unknown, read: number, write: number): Promise<void> {
  await db.query(
    `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at, cache_read_input_tokens, cache_write_input_tokens)
     VALUES (gen_random_uuid(), gen_random_uuid(), 'r', 10, 1, $1, now(), $2, $3)`,
    [metadata === null ? null : JSON.stringify(metadata), read, write],
  );
}

async function refusal(promise: Promise<unknown>): Promise<DownRefusedError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DownRefusedError);
    return error as DownRefusedError;
  }
  throw new Error('expected down to refuse');
}

describe('down', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
    await generateDataset(db.pool, { rows: 3000, seed: 5 });
    await migrateUp({ databaseUrl: db.url }, testDeps().deps);
    await backfill(db);
  });
  afterAll(() => db.drop());

  it("reverts only the last applied migration (the ledger's, newest first) each time", async () => {
    for (const [i, ledger] of LEDGER_MIGRATIONS.entries()) {
      const result = await migrateDown({ databaseUrl: db.url }, testDeps().deps);
      expect(result.reverted?.name).toBe(ledger);
      expect(result.stillApplied).toEqual(SHIPPED_MIGRATIONS.slice(0, SHIPPED_MIGRATIONS.length - 1 - i));
    }
    expect(await bookkeepingNames(db)).toEqual([COLUMNS]);
    expect((await db.query(`SELECT to_regnamespace('aibridge_migrate') IS NULL AS gone`)).rows[0].gone).toBe(true);
    expect((await columnsOf(db.url)).length).toBe(2);
  });

  it('refuses to drop the columns while rows hold values their metadata does not carry, and changes nothing', async () => {
    // Written by the application after the switch: columns set, metadata without the keys.
    await insertRow(db, {}, 77, 0);
    await insertRow(db, null, 0, 5);
    // Disagrees with its metadata (the backfill would have written 10): the column value is the only copy of 12.
    await insertRow(db, { cache_read_input: 10 }, 12, 0);
    // Carried by metadata (a backfilled row), or zero: dropping these loses nothing.
    await insertRow(db, { cache_read_input: 9, cache_creation_input: 4 }, 9, 4);
    await insertRow(db, { prompt_cached: 3, input_cached: 8 }, 8, 0);
    await insertRow(db, { cache_read_input: 'abc' }, 0, 0);
    const before = (await db.query("SELECT md5(string_agg(t::text, ',' ORDER BY id)) AS d FROM aibridge_token_usages t")).rows[0].d;

    const error = await refusal(migrateDown({ databaseUrl: db.url }, testDeps().deps));
    expect(error.exitCode).toBe(6);
    expect(error.message).toContain('down refused: 3 row(s) of "public"."aibridge_token_usages" hold cache token values');
    expect(error.message).toContain('nothing was changed');
    expect(error.hint).toContain('aibridge-migrate backfill --reverse');
    expect(error.details.rows_blocking).toBe(3);

    expect((await columnsOf(db.url)).length).toBe(2);
    expect(await bookkeepingNames(db)).toEqual([COLUMNS]);
    const after = (await db.query("SELECT md5(string_agg(t::text, ',' ORDER BY id)) AS d FROM aibridge_token_usages t")).rows[0].d;
    expect(after).toBe(before);
  });

  it('drops the columns once those values are carried by metadata', async () => {
    // What backfill --reverse does for such rows: write the column values into metadata.
    await db.query(`UPDATE aibridge_token_usages SET metadata = coalesce(metadata, '{}') || jsonb_build_object('cache_read_input', cache_read_input_tokens, 'cache_creation_input', cache_write_input_tokens)
                     WHERE provider_response_id = 'r' AND (cache_read_input_tokens <> 0 OR cache_write_input_tokens <> 0)`);
    const result = await migrateDown({ databaseUrl: db.url }, testDeps().deps);
    expect(result.reverted?.name).toBe(COLUMNS);
    expect(await columnsOf(db.url)).toEqual([]);
    expect(await bookkeepingNames(db)).toEqual([]);
    const again = await migrateDown({ databaseUrl: db.url }, testDeps().deps);
    expect(again.reverted).toBeNull();
  });
});

describe('down --force-drop-data', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
    await migrateUp({ databaseUrl: db.url }, testDeps().deps);
    for (const name of LEDGER_MIGRATIONS) expect((await migrateDown({ databaseUrl: db.url }, testDeps().deps)).reverted?.name).toBe(name);
  });
  afterAll(() => db.drop());

  it('drops uncarried values only when asked, and says how many it destroyed', async () => {
    await insertRow(db, {}, 1, 2);
    await refusal(migrateDown({ databaseUrl: db.url }, testDeps().deps));
    const { lines, deps } = testDeps();
    const result = await migrateDown({ databaseUrl: db.url, forceDropData: true }, deps);
    expect(result.reverted?.name).toBe(COLUMNS);
    expect(await columnsOf(db.url)).toEqual([]);
    expect(lines).toContain('warning: --force-drop-data: dropped the cache token values of 1 row(s) that existed nowhere else');
  });
});
