/**
 * The count that ends a pass reads a stretch of heap pages per chunk. Whether that is a TID
 * range scan or a (parallel) sequential scan of the whole table with the range as a filter is
 * the planner's choice, made from a default selectivity for ctid ranges; on a million narrow
 * rows it chose the sequential scan for chunks of about a thousand pages (300 ms instead of
 * 30, beyond the 250 ms a transaction may take). The chunk's transaction settings take the
 * choice away.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { withTransaction } from '../../src/db/transaction.js';
import { eligibleCountStatement } from '../../src/backfill/sql/forward.js';
import { countChunkSettings, type CountWindow } from '../../src/backfill/sql/count-window.js';
import { appTables } from '../../src/names.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { applyToolkitMigrations } from '../harness/toolkit-schema.js';

describe('the convergence count: a page chunk is a TID range scan, whatever the planner would prefer', () => {
  let db: TestDatabase;
  let client: pg.PoolClient;
  let version = 0;
  let pages = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyToolkitMigrations(db.url);
    await generateDataset(db.pool, { rows: 20_000, seed: 5, shape: 'narrow' });
    client = await db.pool.connect();
    await client.query('VACUUM ANALYZE aibridge_token_usages');
    version = Number((await client.query('SHOW server_version_num')).rows[0].server_version_num);
    pages = Number((await client.query(`SELECT relpages FROM pg_class WHERE oid = 'aibridge_token_usages'::regclass`)).rows[0].relpages);
    // Make a parallel sequential scan as cheap as it is on a large table with idle cores.
    await client.query(`SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0`);
  });
  afterAll(async () => {
    client?.release();
    await db.drop();
  });

  async function planOf(window: CountWindow, local: Record<string, string>): Promise<string> {
    const statement = eligibleCountStatement(appTables('public').usages, window);
    return withTransaction(
      client,
      async (tx) => {
        const { rows } = await tx.query(`EXPLAIN ${statement.text}`, statement.values);
        return rows.map((r) => r['QUERY PLAN'] as string).join('\n');
      },
      { mode: 'read-only', local },
    );
  }

  it('reads the chunk by TID range, where the planner alone scans the whole table', async (context) => {
    if (version < 140000) context.skip(); // TID range scans arrived in PostgreSQL 14; before, chunks are key windows.
    const window: CountWindow = { by: 'page', from: Math.floor(pages / 4), to: Math.floor((3 * pages) / 4), existedBefore: new Date() };
    // The hazard is real on this server: left to itself, the planner filters a full scan.
    expect(await planOf(window, {})).toMatch(/Seq Scan on aibridge_token_usages/);
    const plan = await planOf(window, countChunkSettings(window));
    expect(plan).toMatch(/Tid Range Scan on aibridge_token_usages/);
    expect(plan).not.toMatch(/Seq Scan/);
  });

  it('leaves a key window (PostgreSQL 13) to the primary key, with no setting', () => {
    expect(countChunkSettings({ by: 'key', lo: null, size: 1000, existedBefore: new Date() })).toEqual({});
  });
});
