import { describe, expect, it } from 'vitest';
import { DISPLACED_KEY, newMetadataSql, reverseBatchStatement, reverseRemainingQuery, unreversibleQuery } from '../../src/backfill/sql/reverse.js';
import { tables as tableNames } from '../../src/names.js';

const names = tableNames('app"schema', 'aibridge_migrate');

describe('reverse statements', () => {
  it.each([
    [{ lo: null, hi: null }, [], 'true'],
    [{ lo: '00000000-0000-4000-8000-000000000001', hi: null }, ['00000000-0000-4000-8000-000000000001'], 't.id > $1::uuid'],
    [{ lo: null, hi: '7fffffff-ffff-ffff-ffff-ffffffffffff' }, ['7fffffff-ffff-ffff-ffff-ffffffffffff'], 't.id <= $1::uuid'],
    [
      { lo: '00000000-0000-4000-8000-000000000001', hi: '7fffffff-ffff-ffff-ffff-ffffffffffff' },
      ['00000000-0000-4000-8000-000000000001', '7fffffff-ffff-ffff-ffff-ffffffffffff'],
      't.id > $1::uuid AND t.id <= $2::uuid',
    ],
  ])('bounds %j are parameters, never text', (bounds, values, condition) => {
    const statement = reverseBatchStatement(names.usages, bounds);
    expect(statement.values).toEqual(values);
    // The key condition bounds both the UPDATE and the counted rows (so neither can scan the table).
    expect(statement.text.split(`WHERE ${condition}`).length - 1).toBe(2);
    for (const value of values) expect(statement.text).not.toContain(value);
  });

  it('quotes the table name and only ever writes metadata', () => {
    const { text } = reverseBatchStatement(names.usages, { lo: null, hi: null });
    expect(text).toContain('FROM "app""schema"."aibridge_token_usages" AS t');
    expect(text).toMatch(/UPDATE "app""schema"\."aibridge_token_usages" AS t\s+SET metadata = \(SELECT /);
    // The UPDATE judges the row it writes (re-judged on the newest version under EvalPlanQual),
    // by a plain range scan: no join back to a CTE whose estimates could mislead the planner.
    const update = text.slice(text.indexOf('UPDATE'), text.indexOf('RETURNING'));
    expect(update).toContain('AND EXISTS (SELECT 1 FROM (SELECT o.owned');
    expect(update).toContain('WHERE j.needs AND j.unreversible IS NULL)');
    expect(update).not.toContain('FROM s');
  });

  it('new metadata writes the first key of each side and displaces, never drops, what it replaces', () => {
    const sql = newMetadataSql();
    expect(sql).toContain(`jsonb_build_object('cache_read_input', t.cache_read_input_tokens)`);
    expect(sql).toContain(`jsonb_build_object('cache_creation_input', t.cache_write_input_tokens)`);
    expect(sql).toContain(`jsonb_build_object('${DISPLACED_KEY}', jsonb_object_agg(e.key, e.value))`);
    expect(sql).toContain(`ARRAY['cache_read_input', 'input_cached', 'prompt_cached']::text[]`);
  });

  it('the counts use the same judgement as the batch', () => {
    expect(reverseRemainingQuery(names.usages)).toContain('j.needs AND j.unreversible IS NULL');
    expect(unreversibleQuery(names.usages)).toContain('j.unreversible IS NOT NULL');
  });
});
