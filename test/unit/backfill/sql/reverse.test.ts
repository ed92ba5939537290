import { describe, expect, it } from 'vitest';
import { DISPLACED_KEY, newMetadataSql, reverseBatchStatement, reverseCountStatement } from '../../../../src/backfill/sql/reverse.js';
import { tables as tableNames } from '../../../../src/names.js';

const names = tableNames('app"schema', 'aibridge_migrate');
const started = new Date('2026-11-30T12:00:00.123Z');

describe('reverse statements', () => {
  it.each([
    [{ lo: null, hi: null }, [], 'true'],
    [{ lo: '00000000-0000-4000-8000-000000000001', hi: null }, ['00000000-0000-4000-8000-000000000001'], 't.id > $3::uuid'],
    [{ lo: null, hi: '7fffffff-ffff-ffff-ffff-ffffffffffff' }, ['7fffffff-ffff-ffff-ffff-ffffffffffff'], 't.id <= $3::uuid'],
    [
      { lo: '00000000-0000-4000-8000-000000000001', hi: '7fffffff-ffff-ffff-ffff-ffffffffffff' },
      ['00000000-0000-4000-8000-000000000001', '7fffffff-ffff-ffff-ffff-ffffffffffff'],
      't.id > $3::uuid AND t.id <= $4::uuid',
    ],
  ])('bounds %j are parameters, never text', (bounds, values, condition) => {
    const statement = reverseBatchStatement(names.usages, { ...bounds, size: 100, existedBefore: started });
    expect(statement.values).toEqual([100, started, ...values]);
    // The key condition and the LIMIT bound the rows read once; the UPDATE only joins back to them.
    expect(statement.text.split(`WHERE ${condition}\n   ORDER BY t.id\n   LIMIT $1`).length - 1).toBe(1);
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
    const sql = newMetadataSql();
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
