/**
 * The key walk's batch (PostgreSQL 13, `--walk key`) as a run sends it: a prepared statement
 * (src/db/prepared-statements.ts), whose plan PostgreSQL may make once without the parameters'
 * values and keep (a generic plan, after five runs). Its LIMIT is a parameter then, of unknown
 * size. Forced generic, the plan must still read the next keys in order from the primary key and
 * reach each row to write by its address (a TID scan in a nested loop), with no scan of the
 * whole table and no hash or merge join.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { stepSettings } from '../../src/backfill/run/walker.js';
import { batchStatement } from '../../src/backfill/sql/forward.js';
import { appTables } from '../../src/names.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { genericPlan } from '../harness/generic-plan.js';
import { applyToolkitMigrations } from '../harness/toolkit-schema.js';

describe("the key walk's batch, prepared: the same plan as a generic plan", () => {
  let db: TestDatabase;
  let client: pg.PoolClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyToolkitMigrations(db.url);
    await generateDataset(db.pool, { rows: 20_000, seed: 6, shape: 'narrow' });
    client = await db.pool.connect();
    await client.query('VACUUM ANALYZE aibridge_token_usages');
  });
  afterAll(async () => {
    client?.release();
    await db.drop();
  });

  it.each([
    ['the first batch', null, null],
    ['a batch inside a range', '40000000-0000-4000-8000-000000000000', 'c0000000-0000-4000-8000-000000000000'],
    ['a batch of the last range', '40000000-0000-4000-8000-000000000000', null],
  ])('%s', async (_, lo, hi) => {
    const statement = batchStatement(appTables('public').usages, { lo, hi, size: 500, existedBefore: new Date() });
    const plan = await genericPlan(
      client,
      statement,
      stepSettings({ timeouts: { statementTimeoutMs: 30_000, lockTimeoutMs: 5_000 }, walCompression: null }),
    );
    expect(plan).toMatch(/Index Scan using aibridge_token_usages_pkey on aibridge_token_usages t/);
    expect(plan).toMatch(/Tid Scan on aibridge_token_usages t/);
    expect(plan).not.toMatch(/Seq Scan|Hash Join|Merge Join/);
  });
});
