import { describe, expect, it } from 'vitest';
import { identifier, join, param, quoted, sql, unsafeRaw } from '../../../src/db/sql.js';

describe('the sql tag', () => {
  it('binds every value as a parameter, numbered in order, casts written after it', () => {
    const q = sql`SELECT * FROM t WHERE id > ${'a'}::uuid AND n < ${5} LIMIT ${10}`;
    expect(q.text).toBe('SELECT * FROM t WHERE id > $1::uuid AND n < $2 LIMIT $3');
    expect(q.values).toEqual(['a', 5, 10]);
  });

  it('renumbers a fragment where it is embedded', () => {
    const window = sql`t.ctid >= ${'(1,0)'}::tid AND t.ctid < ${'(2,0)'}::tid`;
    expect(window.text).toBe('t.ctid >= $1::tid AND t.ctid < $2::tid');
    const q = sql`SELECT ${true} FROM t WHERE ${window} AND t.id = ${'x'}`;
    expect(q.text).toBe('SELECT $1 FROM t WHERE t.ctid >= $2::tid AND t.ctid < $3::tid AND t.id = $4');
    expect(q.values).toEqual([true, '(1,0)', '(2,0)', 'x']);
  });

  it('gives a value embedded at several places one number', () => {
    const ms = param(42);
    const q = sql`SET busy = busy + ${ms}, longest = greatest(longest, ${ms}) WHERE id = ${7}`;
    expect(q.text).toBe('SET busy = busy + $1, longest = greatest(longest, $1) WHERE id = $2');
    expect(q.values).toEqual([42, 7]);
  });

  it('keeps an array one value (unnest, = ANY) and null a value', () => {
    const q = sql`SELECT * FROM unnest(${['a', 'b']}::uuid[]) WHERE ${null}::text IS NULL`;
    expect(q.values).toEqual([['a', 'b'], null]);
  });

  it('refuses undefined and hand-numbered parameters', () => {
    expect(() => sql`SELECT ${undefined}`).toThrow(/undefined/);
    expect(() => sql`SELECT $1`).toThrow(/by hand/);
    expect(() => unsafeRaw('x = $2')).toThrow(/by hand/);
    expect(() => join([sql`a`, sql`b`], ' $1 ')).toThrow(/by hand/);
  });

  it('joins fragments (none: empty text)', () => {
    const q = join([sql`a = ${1}`, sql`b = ${2}`], ' AND ');
    expect([q.text, q.values]).toEqual(['a = $1 AND b = $2', [1, 2]]);
    expect(join([], ' AND ').text).toBe('');
  });

  it('takes identifiers only as quoted by identifier.ts', () => {
    expect(sql`SELECT ${identifier('we"ird')} FROM ${quoted('"s"."t"')}`.text).toBe('SELECT "we""ird" FROM "s"."t"');
    expect(sql`SELECT 1 FROM ${quoted('"s""x"')}`.text).toBe('SELECT 1 FROM "s""x"');
    for (const text of ['t', 's.t', '"s".t', '"a"; DROP TABLE x; --"', '"s"."t"."u"', '""']) {
      expect(() => quoted(text), text).toThrow(/not a name quoted/);
    }
  });
});
