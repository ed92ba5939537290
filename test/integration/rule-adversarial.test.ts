/**
 * The adversarial corpus evaluated by PostgreSQL: the compiled rule must give exactly what the
 * corpus expects, never raise, and the upstream expression must abort exactly where the corpus
 * says it does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdversarialCorpus, type AdversarialCase } from '../../fixtures/adversarial.js';
import { anomalyLabels, evaluateMetadataText } from '../../src/rule/evaluate.js';
import { compileRuleSql } from '../../src/rule/sql.js';
import { upstreamSql } from '../../src/rule/upstream.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

const corpus = loadAdversarialCorpus();
const rule = compileRuleSql('"t"."metadata"');
const upstream = upstreamSql('"t"."metadata"');

interface Row {
  n: number;
  stored: string | null;
  read: string;
  write: string;
  anomalies: string[];
}

describe('adversarial corpus, evaluated by PostgreSQL', () => {
  let db: TestDatabase;
  const rows = new Map<string, Row>();

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(`CREATE TABLE "corpus" ("n" int PRIMARY KEY, "metadata" jsonb)`);
    await db.query(`INSERT INTO "corpus" ("n", "metadata") SELECT u.n, u.m::jsonb FROM unnest($1::text[]) WITH ORDINALITY AS u(m, n)`, [
      corpus.map((c) => c.metadata),
    ]);
    // One statement over every document: a single malformed value must not abort it.
    const result = await db.query<Row>(
      `SELECT "t"."n", "t"."metadata"::text AS stored, (${rule.cacheRead})::text AS read,
              (${rule.cacheWrite})::text AS write, ${rule.anomalies} AS anomalies
         FROM "corpus" AS "t" ORDER BY "t"."n"`,
    );
    for (const row of result.rows) rows.set(corpus[row.n - 1]!.name, row);
  });
  afterAll(() => db?.drop());

  const expectRule = (c: AdversarialCase, row: Pick<Row, 'read' | 'write' | 'anomalies'>) =>
    expect({ cacheRead: row.read, cacheWrite: row.write, anomalies: row.anomalies }).toEqual(c.expected);

  it.each(corpus.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const row = rows.get(c.name)!;
    expectRule(c, row);
    // The TypeScript evaluator on the text PostgreSQL stores (jsonb rewrites numerals).
    const ts = evaluateMetadataText(row.stored);
    expect({ cacheRead: ts.cacheRead.toString(), cacheWrite: ts.cacheWrite.toString(), anomalies: anomalyLabels(ts.anomalies) }).toEqual(
      c.expected,
    );
  });

  it('gives the same results when the document is a bound parameter the planner folds as a constant', async () => {
    const constant = compileRuleSql('$1::jsonb');
    const sql = `SELECT (${constant.cacheRead})::text AS read, (${constant.cacheWrite})::text AS write, ${constant.anomalies} AS anomalies`;
    const client = await db.pool.connect();
    try {
      // Custom plans substitute the value before planning, so every guarded cast meets a constant.
      await client.query(`SET plan_cache_mode = force_custom_plan`);
      for (const c of corpus) {
        const {
          rows: [row],
        } = await client.query(sql, [c.metadata]);
        expectRule(c, row);
      }
    } finally {
      client.release();
    }
  });

  it('is computed by the upstream expression as recorded, aborting where the corpus says so', async () => {
    const outcomes: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const [index, c] of corpus.entries()) {
      if (!c.upstream) continue;
      expected[c.name] = c.upstream.status === 'error' ? 'error' : `${c.upstream.cacheRead}/${c.upstream.cacheWrite}`;
      try {
        const {
          rows: [row],
        } = await db.query(
          `SELECT (${upstream.cacheRead})::text AS read, (${upstream.cacheWrite})::text AS write FROM "corpus" AS "t" WHERE "t"."n" = $1`,
          [index + 1],
        );
        outcomes[c.name] = `${row.read}/${row.write}`;
      } catch (error) {
        // 22P02 invalid text representation, 22003 out of range: the cast errors upstream hit.
        expect(['22P02', '22003']).toContain((error as { code?: string }).code);
        outcomes[c.name] = 'error';
      }
    }
    expect(outcomes).toEqual(expected);
  });
});
