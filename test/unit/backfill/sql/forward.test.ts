import { describe, expect, it } from 'vitest';
import { BATCH_PLANNER_SETTINGS, batchStatement, eligibleCountStatement } from '../../../../src/backfill/sql/forward.js';
import { tables as tableNames } from '../../../../src/names.js';

describe('forward statements', () => {
  const names = tableNames('app', 'state"x');
  const started = new Date('2026-11-30T12:00:00.123Z');

  it.each([
    [{ lo: null, hi: null }, 'true', [500, started]],
    [{ lo: 'a', hi: null }, 't.id > $3::uuid', [500, started, 'a']],
    [{ lo: 'a', hi: 'b' }, 't.id > $3::uuid AND t.id <= $4::uuid', [500, started, 'a', 'b']],
  ])('a batch over %j reads its rows once, in key order from the primary key, as many as asked', (bounds, condition, values) => {
    const { text } = batchStatement(names.usages, { ...bounds, size: 500, existedBefore: started });
    expect(batchStatement(names.usages, { ...bounds, size: 500, existedBefore: started }).values).toEqual(values);
    // `t.id` qualified: ORDER BY id beside an id::text output column would sort by the text.
    expect(text).toContain(`FROM "app"."aibridge_token_usages" AS t\n   WHERE ${condition}\n   ORDER BY t.id\n   LIMIT $1`);
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
    // Owned rows only, tested before the rule so a filled row never enters the rule's expressions.
    expect(text).toContain('count(*) FILTER (WHERE t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 AND (GREATEST(0, ');
    expect(text).toContain("t.metadata ? 'cache_read_input'");
    expect(text).not.toMatch(/\bUPDATE\b/);
    // From PostgreSQL 14 the chunks are stretches of heap pages, read in order (a TID range scan).
    const pages = eligibleCountStatement(names.usages, { by: 'page', from: 64, to: 128, existedBefore: started });
    expect(pages.values).toEqual([started, '(64,0)', '(128,0)']);
    expect(pages.text).toMatch(/FROM "app"\."aibridge_token_usages" AS t\s+WHERE t\.ctid >= \$2::tid AND t\.ctid < \$3::tid$/);
  });
});
