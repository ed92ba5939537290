/**
 * The census statement's text, pinned (a reviewer reads the SQL in the snapshot file), and
 * the bits it packs read back in TypeScript.
 */
import { describe, expect, it } from 'vitest';
import { ANOMALY_CODES } from '../../../src/rule/sql.js';
import { ruleKeys } from '../../../src/rule/index.js';
import { BITS, censusStatement } from '../../../src/scan/census.js';
import { anomalyLabelsOf, legacyReadSum, readCensus, rowKind, Tally } from '../../../src/scan/tally.js';
import { windowSql } from '../../../src/scan/windows.js';
import { sql } from '../../../src/db/sql.js';

const scope = { usages: '"public"."aibridge_token_usages"', interceptions: '"public"."aibridge_interceptions"', columnsPresent: true };

describe('census statement', () => {
  it('is pinned: pages with an interceptions window, the key space before 14, a sample replicate', async () => {
    const pages = censusStatement(
      scope,
      { by: 'pages', from: 100, to: 340 },
      { from: 20, to: 80 },
      { createdAfter: new Date('2026-12-01T00:00:00Z') },
    );
    const keys = censusStatement({ ...scope, columnsPresent: false }, { by: 'keys', from: 0.25, to: 0.5 }, null);
    const sample = censusStatement({ ...scope, interceptions: null }, { by: 'sample', seed: 7, percent: 0.1 }, null);
    const text = [pages, keys, sample]
      .map(
        (s, n) =>
          `-- ${['pages', 'keys (before up)', 'sample (no interceptions table)'][n]}\n-- values: ${JSON.stringify(s.values)}\n-- settings: ${JSON.stringify(s.settings)}\n${s.text}`,
      )
      .join('\n\n');
    await expect(`${text}\n`).toMatchFileSnapshot('__snapshots__/census.sql');
    expect(pages.spreadPages).toEqual({ from: 310, to: 340 });
    expect(pages.settings).toEqual({ enable_seqscan: 'off', enable_mergejoin: 'off', enable_sort: 'off' });
    expect(keys.settings).toMatchObject({ enable_hashjoin: 'off' });
  });

  it('binds every value as a parameter', () => {
    const statement = censusStatement(scope, { by: 'pages', from: 5, to: 9 }, { from: 1, to: 2 });
    expect(statement.text).not.toMatch(/'\(\d+,0\)'/);
    expect(statement.values).toEqual(['(8,0)', '(1,0)', '(2,0)', '(5,0)', '(9,0)']);
  });
});

describe('windowSql', () => {
  it.each([
    [{ by: 'pages', from: 0, to: 10 } as const, 't.ctid >= $1::tid AND t.ctid < $2::tid', ['(0,0)', '(10,0)']],
    [{ by: 'keys', from: 0, to: 1 } as const, 'true', []],
    [{ by: 'keys', from: 0.5, to: 1 } as const, 't.id >= $1::uuid', ['80000000-0000-0000-0000-000000000000']],
    [{ by: 'keys', from: 0, to: 0.25 } as const, 't.id < $1::uuid', ['40000000-0000-0000-0000-000000000000']],
  ])('%j', (window, where, values) => {
    const { where: condition } = windowSql(window, '"T"', sql`t`);
    expect([condition.text, condition.values]).toEqual([where, values]);
  });
});

describe('row kinds', () => {
  const keys = ruleKeys();
  it('reads back every bit the census packs', () => {
    const code = (cls: keyof typeof ANOMALY_CODES, key: string) => -ANOMALY_CODES[cls] * 2 ** (BITS.keyCodesShift + 3 * keys.indexOf(key));
    const bits =
      BITS.columnsZero +
      BITS.ruleWriteZero +
      BITS.ignoredReadKey +
      code('negative', 'prompt_cached') +
      code('out_of_range', 'cache_creation_input');
    const kind = rowKind(bits);
    expect(kind).toMatchObject({
      columnsZero: true,
      readEqual: false,
      ruleWriteZero: true,
      ignoredReadKey: true,
      severalReadKeys: false,
      document: 'object',
    });
    expect(anomalyLabelsOf(kind)).toEqual(['negative:prompt_cached', 'out_of_range:cache_creation_input']);
    expect(anomalyLabelsOf(rowKind(BITS.notAnObject))).toEqual(['not_an_object:$']);
    expect(rowKind(BITS.nullMetadata).document).toBe('null');
  });

  it("the old dashboard's read sum: its own terms for several keys, the rule's value otherwise, 0 for a key it ignored", () => {
    const group = (bits: number) => ({
      hasInterception: true,
      provider: 'p',
      model: 'm',
      bits,
      rows: 1,
      createdAfter: 0,
      sums: { column_read: 0n, column_write: 0n, rule_read: 50n, rule_write: 0n, legacy_read_0: 30n, legacy_read_1: 40n },
    });
    expect(legacyReadSum(group(0))).toBe(50n);
    expect(legacyReadSum(group(BITS.ignoredReadKey))).toBe(0n);
    expect(legacyReadSum(group(BITS.severalReadKeys | BITS.ignoredReadKey))).toBe(70n);
  });
});

describe('Tally', () => {
  it('sums chunks per provider, model and kind, in any order', () => {
    const row = (provider: string, bits: number, rows: number, read: string) => ({
      has_interception: true,
      provider,
      model: 'x',
      bits,
      rows: String(rows),
      column_read: read,
      column_write: '0',
      rule_read: read,
      rule_write: '0',
      legacy_read_0: '0',
      legacy_read_1: '0',
      spread_rows: '2',
      spread_sum: '10',
      spread_squares: '50',
    });
    const a = readCensus([row('p', 6, 3, '9223372036854775807'), row('q', 6, 1, '1')]);
    const b = readCensus([row('p', 6, 2, '9223372036854775807')]);
    expect(a.spread).toEqual({ rows: 4, sum: 20, squares: 100 });
    const one = new Tally();
    one.add(a.groups);
    one.add(b.groups);
    const other = new Tally();
    other.add(b.groups);
    other.add(a.groups);
    const sorted = (t: Tally) => t.groups().sort((x, y) => String(x.provider).localeCompare(String(y.provider)));
    expect(sorted(one)).toEqual(sorted(other));
    expect(one.rows()).toBe(6);
    // Sums past the bigint range stay exact.
    expect(sorted(one)[0]!.sums.column_read).toBe(2n * 9223372036854775807n);
  });
});
