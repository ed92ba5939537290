import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

describe('test harness', () => {
  let a: TestDatabase;
  let b: TestDatabase;
  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });
  afterAll(async () => {
    await Promise.all([a.drop(), b.drop()]);
  });

  it('gives each test file a database of its own with the baseline schema', async () => {
    await a.query(
      `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
       VALUES (gen_random_uuid(), gen_random_uuid(), 'r', 1, 1, '{}', now())`,
    );
    const seenByA = await a.query('SELECT count(*)::int AS n FROM aibridge_token_usages');
    const seenByB = await b.query('SELECT count(*)::int AS n FROM aibridge_token_usages');
    expect(seenByA.rows[0].n).toBe(1);
    expect(seenByB.rows[0].n).toBe(0);
  });

  it('starts from the pre-change schema: no cache columns yet', async () => {
    const { rows } = await b.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'aibridge_token_usages' ORDER BY ordinal_position`,
    );
    expect(rows.map((r) => r.column_name)).toEqual([
      'id',
      'interception_id',
      'provider_response_id',
      'input_tokens',
      'output_tokens',
      'metadata',
      'created_at',
    ]);
  });

  it('generates the same realistic dataset for the same seed', async () => {
    await generateDataset(b.pool, { rows: 3000, seed: 7 });
    const { rows } = await b.query(`
      SELECT count(*)::int AS total,
             count(*) FILTER (WHERE metadata IS NULL)::int AS null_metadata,
             count(*) FILTER (WHERE metadata = '{}')::int AS empty,
             count(*) FILTER (WHERE metadata ? 'cache_read_input')::int AS anthropic,
             count(*) FILTER (WHERE metadata ? 'prompt_cached')::int AS chat,
             count(*) FILTER (WHERE metadata ? 'input_cached')::int AS responses,
             md5(string_agg(id::text || coalesce(metadata::text, 'null'), ',' ORDER BY id)) AS digest
        FROM aibridge_token_usages`);
    const stats = rows[0];
    expect(stats.total).toBe(3000);
    expect(stats.null_metadata).toBeGreaterThan(0);
    expect(stats.empty).toBeGreaterThan(300);
    expect(stats.anthropic).toBeGreaterThan(300);
    expect(stats.chat).toBeGreaterThan(300);
    expect(stats.responses).toBeGreaterThan(100);
    const orphans = await b.query(`SELECT count(*)::int AS n FROM aibridge_token_usages t
      WHERE NOT EXISTS (SELECT 1 FROM aibridge_interceptions i WHERE i.id = t.interception_id)`);
    expect(orphans.rows[0].n).toBe(0);

    const again = await createTestDatabase();
    try {
      await generateDataset(again.pool, { rows: 3000, seed: 7 });
      const second = await again.query(
        `SELECT md5(string_agg(id::text || coalesce(metadata::text, 'null'), ',' ORDER BY id)) AS digest FROM aibridge_token_usages`,
      );
      expect(second.rows[0].digest).toBe(stats.digest);
    } finally {
      await again.drop();
    }
  });
});
