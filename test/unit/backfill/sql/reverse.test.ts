/**
 * The reverse run's statements as whole texts (a reviewer reads the .sql files under
 * __snapshots__). What each must do is asserted below and by
 * test/integration/backfill-reverse.test.ts; the snapshots pin that nothing else changes.
 */
import { describe, expect, it } from 'vitest';
import {
  DISPLACED_KEY,
  newMetadataSql,
  reverseBatchStatement,
  reverseCountStatement,
  reverseJudgeStatement,
  reverseRoundStatement,
} from '../../../../src/backfill/sql/reverse.js';
import { tables } from '../../../../src/names.js';
import { statementFile, titled } from '../../../harness/statement-snapshot.js';

const names = tables('app', 'aibridge_migrate');
const started = new Date('2026-11-30T12:00:00.123Z');
const lo = '40000000-0000-4000-8000-000000000000';
const hi = '7fffffff-ffff-4fff-bfff-ffffffffffff';

describe('reverse statements', () => {
  it('the batch: the next rows of a key range, judged once, their metadata rewritten while unchanged', async () => {
    const statement = reverseBatchStatement(names.usages, { lo, hi, size: 500, existedBefore: started });
    await expect(statementFile([titled('reverseBatchStatement: keys (lo, hi], at most 500 rows', statement)])).toMatchFileSnapshot(
      '__snapshots__/reverse-batch.sql',
    );
  });

  it('the count that ends a pass, a chunk of keys (PostgreSQL 13) and a stretch of pages', async () => {
    const byKey = reverseCountStatement(names.usages, { by: 'key', lo, size: 2000, existedBefore: started });
    await expect(statementFile([titled('reverseCountStatement: 2000 keys after lo', byKey)])).toMatchFileSnapshot(
      '__snapshots__/reverse-count-by-key.sql',
    );
    const byPage = reverseCountStatement(names.usages, { by: 'page', from: 64, to: 128, existedBefore: started });
    await expect(statementFile([titled('reverseCountStatement: pages [64, 128)', byPage)])).toMatchFileSnapshot(
      '__snapshots__/reverse-count-by-page.sql',
    );
  });

  it("the page walk's judge, which reads the rows moved onto its pages in its own statement, and a round", async () => {
    const judge = reverseJudgeStatement(names.usages, { from: 64, to: 72, moved: { table: names.movedRows, runId: 7, pass: 0 } }, started);
    await expect(statementFile([titled('reverseJudgeStatement: pages [64, 72) of run 7, pass 0', judge)])).toMatchFileSnapshot(
      '__snapshots__/reverse-judge.sql',
    );
    const rows = [
      { page: 64, line: `${lo} 1001 64` },
      { page: 65, line: `${hi} 1002 65` },
    ];
    const round = reverseRoundStatement(names.usages, rows, { window: { from: 64, to: 72 }, passEnd: 4096 });
    await expect(
      statementFile([titled('reverseRoundStatement: two rows of window [64, 72), pass ends at page 4096', round)]),
    ).toMatchFileSnapshot('__snapshots__/reverse-round.sql');
  });
});

describe('what the reverse statements must do', () => {
  const names = tables('app"schema', 'aibridge_migrate');

  it.each([
    [{ lo: null, hi: null }, [], 'true\n   ORDER BY t.id\n   LIMIT $2'],
    [
      { lo: '00000000-0000-4000-8000-000000000001', hi: null },
      ['00000000-0000-4000-8000-000000000001'],
      't.id > $2::uuid\n   ORDER BY t.id\n   LIMIT $3',
    ],
    [
      { lo: null, hi: '7fffffff-ffff-ffff-ffff-ffffffffffff' },
      ['7fffffff-ffff-ffff-ffff-ffffffffffff'],
      't.id <= $2::uuid\n   ORDER BY t.id\n   LIMIT $3',
    ],
    [
      { lo: '00000000-0000-4000-8000-000000000001', hi: '7fffffff-ffff-ffff-ffff-ffffffffffff' },
      ['00000000-0000-4000-8000-000000000001', '7fffffff-ffff-ffff-ffff-ffffffffffff'],
      't.id > $2::uuid AND t.id <= $3::uuid\n   ORDER BY t.id\n   LIMIT $4',
    ],
  ])('bounds %j are parameters, never text', (bounds, values, condition) => {
    const statement = reverseBatchStatement(names.usages, { ...bounds, size: 100, existedBefore: started });
    expect(statement.values).toEqual([started, ...values, 100]);
    // The key condition and the LIMIT bound the rows read once; the UPDATE only joins back to them.
    expect(statement.text.split(`WHERE ${condition}`).length - 1).toBe(1);
    for (const value of values) expect(statement.text).not.toContain(value);
  });

  it('quotes the table name and only ever writes metadata, of the row version it judged', () => {
    const { text } = reverseBatchStatement(names.usages, { lo: null, hi: null, size: 100, existedBefore: started });
    expect(text).toContain('FROM "app""schema"."aibridge_token_usages" AS t');
    expect(text).toMatch(/UPDATE "app""schema"\."aibridge_token_usages" AS t\s+SET metadata = \(SELECT /);
    // Joined back by address, only while the row is the version judged (EvalPlanQual re-checks
    // the filter on a row changed since: it is left to the sweep, never written from a stale copy).
    const update = text.slice(text.indexOf('UPDATE'), text.indexOf('RETURNING'));
    expect(update).toContain('WHERE t.ctid = s.row_address AND t.xmin = s.row_version AND s.needs AND s.unreversible IS NULL');
    expect(text).not.toMatch(/SET "?cache_/);
  });

  it('new metadata writes the first key of each side and displaces, never drops, what it replaces', () => {
    const sql = newMetadataSql().text;
    expect(sql).toContain(`jsonb_build_object('cache_read_input', t."cache_read_input_tokens")`);
    expect(sql).toContain(`jsonb_build_object('cache_creation_input', t."cache_write_input_tokens")`);
    expect(sql).toContain(`jsonb_build_object('${DISPLACED_KEY}', jsonb_object_agg(e.key, e.value))`);
    expect(sql).toContain(`ARRAY['cache_read_input', 'input_cached', 'prompt_cached']::text[]`);
  });

  it('the count that ends a pass uses the same judgement as the batch', () => {
    const { text } = reverseCountStatement(names.usages, { by: 'key', lo: null, size: 100, existedBefore: started });
    expect(text).toContain('count(*) FILTER (WHERE s.needs AND s.unreversible IS NULL)::bigint AS eligible');
    expect(text).toContain('count(*) FILTER (WHERE s.unreversible IS NOT NULL)::bigint AS unreversible');
    expect(text).not.toMatch(/\bUPDATE\b/);
  });
});
