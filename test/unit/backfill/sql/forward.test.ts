/**
 * The forward run's statements as whole texts (a reviewer reads the .sql files under
 * __snapshots__): the batch of the key walk, the count that ends a pass, and the page walk's
 * judge and round. What each must do is asserted below and by the integration tests; the
 * snapshots pin that nothing else changes.
 */
import { describe, expect, it } from 'vitest';
import {
  BATCH_PLANNER_SETTINGS,
  batchStatement,
  eligibleCountStatement,
  judgeStatement,
  roundStatement,
} from '../../../../src/backfill/sql/forward.js';
import { tables } from '../../../../src/names.js';
import { statementFile, titled } from '../../../harness/statement-snapshot.js';

const names = tables('app', 'aibridge_migrate');
const started = new Date('2026-11-30T12:00:00.123Z');
const lo = '40000000-0000-4000-8000-000000000000';
const hi = '7fffffff-ffff-4fff-bfff-ffffffffffff';

describe('forward statements', () => {
  it('the batch: the next rows of a key range, judged once, written by address while unchanged', async () => {
    const statement = batchStatement(names.usages, { lo, hi, size: 500, existedBefore: started });
    await expect(statementFile([titled('batchStatement: keys (lo, hi], at most 500 rows', statement)])).toMatchFileSnapshot(
      '__snapshots__/batch.sql',
    );
  });

  it('the count that ends a pass, a chunk of keys (PostgreSQL 13) and a stretch of pages', async () => {
    const byKey = eligibleCountStatement(names.usages, { by: 'key', lo, size: 2000, existedBefore: started });
    await expect(statementFile([titled('eligibleCountStatement: 2000 keys after lo', byKey)])).toMatchFileSnapshot(
      '__snapshots__/count-by-key.sql',
    );
    const byPage = eligibleCountStatement(names.usages, { by: 'page', from: 64, to: 128, existedBefore: started });
    await expect(statementFile([titled('eligibleCountStatement: pages [64, 128)', byPage)])).toMatchFileSnapshot(
      '__snapshots__/count-by-page.sql',
    );
  });

  it("the page walk's judge, which reads the rows moved onto its pages in its own statement, and a round", async () => {
    const judge = judgeStatement(names.usages, { from: 64, to: 72, moved: { table: names.movedRows, runId: 7, pass: 0 } }, started);
    await expect(statementFile([titled('judgeStatement: pages [64, 72) of run 7, pass 0', judge)])).toMatchFileSnapshot(
      '__snapshots__/judge.sql',
    );
    const rows = [
      { page: 64, line: `${lo} 1001 120 0 64` },
      { page: 65, line: `${hi} 1002 0 40 65` },
    ];
    const round = roundStatement(names.usages, rows, { window: { from: 64, to: 72 }, passEnd: 4096 });
    await expect(statementFile([titled('roundStatement: two rows of window [64, 72), pass ends at page 4096', round)])).toMatchFileSnapshot(
      '__snapshots__/round.sql',
    );
  });
});

describe('what the forward statements must do', () => {
  const names = tables('app', 'state"x');

  it.each([
    [{ lo: null, hi: null }, 'true\n   ORDER BY t.id\n   LIMIT $2', [started, 500]],
    [{ lo: 'a', hi: null }, 't.id > $2::uuid\n   ORDER BY t.id\n   LIMIT $3', [started, 'a', 500]],
    [{ lo: 'a', hi: 'b' }, 't.id > $2::uuid AND t.id <= $3::uuid\n   ORDER BY t.id\n   LIMIT $4', [started, 'a', 'b', 500]],
  ])('a batch over %j reads its rows once, in key order from the primary key, as many as asked', (bounds, condition, values) => {
    const { text } = batchStatement(names.usages, { ...bounds, size: 500, existedBefore: started });
    expect(batchStatement(names.usages, { ...bounds, size: 500, existedBefore: started }).values).toEqual(values);
    // `t.id` qualified: ORDER BY id beside an id::text output column would sort by the text.
    expect(text).toContain(`FROM "app"."aibridge_token_usages" AS t\n   WHERE ${condition}`);
    expect(text.match(/FROM "app"\."aibridge_token_usages" AS t\b/g)).toHaveLength(1);
  });

  it('the batch judges only rows still at (0, 0), and writes only them, only as the version it judged', () => {
    const { text } = batchStatement(names.usages, { lo: 'a', hi: 'b', size: 500, existedBefore: started });
    expect(text).toContain('CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END');
    const update = text.slice(text.indexOf('UPDATE'), text.indexOf('RETURNING'));
    expect(update).toContain('SET "cache_read_input_tokens" = v.cache_read, "cache_write_input_tokens" = v.cache_write');
    // Joined back by address, and only while the row is the version judged: a row changed
    // since (EvalPlanQual re-checks the filter on its newest version) is left alone.
    expect(update).toContain('WHERE t.ctid = v.row_address AND t.xmin = v.row_version AND (v.cache_read <> 0 OR v.cache_write <> 0)');
    expect(text).not.toMatch(/SET metadata|INSERT|DELETE/);
    expect(BATCH_PLANNER_SETTINGS).toEqual({ enable_hashjoin: 'off', enable_mergejoin: 'off' });
  });

  it('the count that ends a pass walks the same keys in chunks and judges the same rows', () => {
    const { text, values } = eligibleCountStatement(names.usages, { by: 'key', lo: 'a', size: 2000, existedBefore: started });
    expect(values).toEqual([started, 'a', 2000]);
    expect(text).toContain('AS eligible');
    expect(text).toContain('WHERE t.id > $2::uuid\n   ORDER BY t.id\n   LIMIT $3');
    // Owned rows only, tested before the rule in a CASE (PostgreSQL promises no order for AND's
    // operands), so a filled row never enters the rule's expressions.
    expect(text).toContain(
      'count(*) FILTER (WHERE CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN GREATEST(0, ',
    );
    expect(text).toMatch(/ <> 0 ELSE false END\)::bigint AS eligible,/);
    expect(text).toContain("t.metadata ? 'cache_read_input'");
    expect(text).not.toMatch(/\bUPDATE\b/);
    // From PostgreSQL 14 the chunks are stretches of heap pages, read in order (a TID range scan).
    const pages = eligibleCountStatement(names.usages, { by: 'page', from: 64, to: 128, existedBefore: started });
    expect(pages.values).toEqual([started, '(64,0)', '(128,0)']);
    expect(pages.text).toMatch(/FROM "app"\."aibridge_token_usages" AS t\s+WHERE t\.ctid >= \$2::tid AND t\.ctid < \$3::tid$/);
  });
});
