/**
 * Where the rule and the upstream single-statement backfill agree, and the places they
 * knowingly differ. The differences are documented in docs/rule.md; these tests hold them to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { compileRuleSql } from '../../src/rule/sql.js';
import { upstreamSql } from '../../src/rule/upstream.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

const rule = compileRuleSql('"t"."metadata"');
const upstream = upstreamSql('"t"."metadata"');

describe('rule and upstream expression', () => {
  let db: TestDatabase;
  let serverVersion: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    serverVersion = Number((await db.query('SHOW server_version_num')).rows[0].server_version_num);
  });
  afterAll(() => db?.drop());

  async function both(metadata: string): Promise<{ rule: string; anomalies: string[]; upstream: string }> {
    const sql = (e: { cacheRead: string; cacheWrite: string }) => `(${e.cacheRead})::text || '/' || (${e.cacheWrite})::text`;
    const from = `FROM (SELECT $1::jsonb AS "metadata") AS "t"`;
    const {
      rows: [r],
    } = await db.query(`SELECT ${sql(rule)} AS v, ${rule.anomalies} AS a ${from}`, [metadata]);
    let up: string;
    try {
      up = (await db.query(`SELECT ${sql(upstream)} AS v ${from}`, [metadata])).rows[0].v;
    } catch (error) {
      up = `error ${(error as { code?: string }).code}`;
    }
    return { rule: r.v, anomalies: r.a, upstream: up };
  }

  it('agree on every row of the generated, realistic dataset', async () => {
    await generateDataset(db.pool, { rows: 5000, seed: 11 });
    const {
      rows: [r],
    } = await db.query(`
      SELECT count(*)::int AS rows,
             count(*) FILTER (WHERE (${rule.cacheRead}) <> (${upstream.cacheRead}) OR (${rule.cacheWrite}) <> (${upstream.cacheWrite}))::int AS differ,
             count(*) FILTER (WHERE (${rule.cacheRead}) > 0)::int AS with_reads,
             count(*) FILTER (WHERE cardinality(${rule.anomalies}) > 0)::int AS with_anomalies
        FROM "aibridge_token_usages" AS "t"`);
    expect(r).toMatchObject({ rows: 5000, differ: 0, with_anomalies: 0 });
    expect(r.with_reads).toBeGreaterThan(1000);
  });

  it('divergence 1: upstream writes negative values as they are; the rule writes 0 and reports them', async () => {
    expect(await both('{"cache_creation_input": -5}')).toEqual({
      rule: '0/0',
      anomalies: ['negative:cache_creation_input'],
      upstream: '0/-5',
    });
    expect(await both('{"cache_creation_input": "-5"}')).toEqual({
      rule: '0/0',
      anomalies: ['negative:cache_creation_input'],
      upstream: '0/-5',
    });
    // A negative read is hidden upstream by GREATEST with an absent key's 0: same value, but only the rule reports it…
    expect(await both('{"cache_read_input": -5}')).toEqual({ rule: '0/0', anomalies: ['negative:cache_read_input'], upstream: '0/0' });
    // …unless all three read keys are negative: then upstream writes the largest of them.
    expect(await both('{"cache_read_input": -5, "input_cached": -3, "prompt_cached": "-7"}')).toEqual({
      rule: '0/0',
      anomalies: ['negative:cache_read_input', 'negative:input_cached', 'negative:prompt_cached'],
      upstream: '-3/0',
    });
  });

  it.each([
    ['"1_000"', '1000'],
    ['"0x1F"', '31'],
    ['"0o17"', '15'],
    ['"0b101"', '5'],
    ['" +0x10 "', '16'],
  ])('divergence 2: the string %s is not a number for the rule; PostgreSQL 16+ int8 input reads it as %s', async (value, pg16Value) => {
    const result = await both(`{"cache_creation_input": ${value}}`);
    expect(result.rule).toBe('0/0');
    expect(result.anomalies).toEqual(['not_a_number:cache_creation_input']);
    expect(result.upstream).toBe(serverVersion >= 160000 ? `0/${pg16Value}` : 'error 22P02');
  });

  it.each([
    ['{"cache_read_input": 5376.0}', '5376/0'],
    ['{"cache_creation_input": 12.000}', '0/12'],
    ['{"cache_read_input": "abc", "prompt_cached": 9}', '9/0'],
    ['{"cache_read_input": true, "cache_creation_input": 3}', '0/3'],
    ['{"input_cached": {"n": 1}}', '0/0'],
    ['{"cache_creation_input": 9223372036854775808}', '0/0'],
  ])('where upstream aborts on %s, the rule gives %s', async (metadata, value) => {
    const result = await both(metadata);
    expect(result.upstream).toMatch(/^error (22P02|22003)$/);
    expect(result.rule).toBe(value);
  });

  it('one malformed row aborts the upstream statement over the whole table, and not the rule', async () => {
    await db.query(`CREATE TABLE "mixed" ("metadata" jsonb)`);
    await db.query(
      `INSERT INTO "mixed" SELECT jsonb_build_object('cache_read_input', i, 'cache_creation_input', i % 7) FROM generate_series(1, 2000) AS i`,
    );
    await db.query(`INSERT INTO "mixed" VALUES ('{"cache_read_input": 5376.0}'), ('{"cache_creation_input": "n/a"}')`);
    await expect(db.query(`SELECT sum(${upstream.cacheRead}) FROM "mixed" AS "t"`)).rejects.toMatchObject({ code: '22P02' });
    const {
      rows: [r],
    } = await db.query(
      `SELECT sum(${rule.cacheRead})::text AS reads, sum(${rule.cacheWrite})::text AS writes,
              count(*) FILTER (WHERE cardinality(${rule.anomalies}) > 0)::int AS anomalous
         FROM "mixed" AS "t"`,
    );
    // 1 + … + 2000, plus the integral decimal 5376.0; writes are i % 7 summed; "n/a" is the one anomaly.
    const writes = Array.from({ length: 2000 }, (_, k) => (k + 1) % 7).reduce((a, b) => a + b, 0);
    expect(r).toEqual({ reads: String((2000 * 2001) / 2 + 5376), writes: String(writes), anomalous: 1 });
  });
});
