import { describe, expect, it } from 'vitest';
import { MAX_RANGES, MIN_RANGES, planKeyRanges, rangeCount, uuidFromBigInt } from '../../../../src/backfill/policy/ranges.js';

describe('rangeCount', () => {
  it.each([
    [1, MIN_RANGES],
    [2, MIN_RANGES],
    [3, 12],
    [4, 16],
    [16, 64],
    [64, MAX_RANGES],
  ])('%i workers → %i ranges', (workers, ranges) => {
    expect(rangeCount(workers)).toBe(ranges);
  });
});

describe('uuidFromBigInt', () => {
  it.each([
    [0n, '00000000-0000-0000-0000-000000000000'],
    [(1n << 127n) - 1n, '7fffffff-ffff-ffff-ffff-ffffffffffff'],
    [(1n << 128n) - 1n, 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
    [0x0123456789abcdefn, '00000000-0000-0000-0123-456789abcdef'],
  ])('%s → %s', (value, text) => {
    expect(uuidFromBigInt(value)).toBe(text);
  });

  it('refuses values outside the key space', () => {
    expect(() => uuidFromBigInt(-1n)).toThrow(RangeError);
    expect(() => uuidFromBigInt(1n << 128n)).toThrow(RangeError);
  });
});

describe('planKeyRanges', () => {
  it('one range is the whole key space', () => {
    expect(planKeyRanges(1)).toEqual([{ lo: null, hi: null }]);
  });

  it('two ranges split at the middle of the key space', () => {
    expect(planKeyRanges(2)).toEqual([
      { lo: null, hi: '7fffffff-ffff-ffff-ffff-ffffffffffff' },
      { lo: '7fffffff-ffff-ffff-ffff-ffffffffffff', hi: null },
    ]);
  });

  it('four ranges split at the quarters', () => {
    expect(planKeyRanges(4).map((r) => r.hi)).toEqual([
      '3fffffff-ffff-ffff-ffff-ffffffffffff',
      '7fffffff-ffff-ffff-ffff-ffffffffffff',
      'bfffffff-ffff-ffff-ffff-ffffffffffff',
      null,
    ]);
  });

  it.each([3, 7, 8, 100, 256])('%i ranges are contiguous, ascending, open at both ends', (n) => {
    const ranges = planKeyRanges(n);
    expect(ranges).toHaveLength(n);
    expect(ranges[0]!.lo).toBeNull();
    expect(ranges.at(-1)!.hi).toBeNull();
    for (let i = 1; i < n; i++) {
      expect(ranges[i]!.lo).toBe(ranges[i - 1]!.hi);
      // Text order is the order PostgreSQL sorts uuid values in.
      if (i < n - 1) expect(ranges[i]!.hi! > ranges[i]!.lo!).toBe(true);
    }
  });

  it('uniform keys fall into ranges of nearly equal size', () => {
    const ranges = planKeyRanges(8);
    const counts = new Array(8).fill(0);
    for (let k = 0; k < 8_000; k++) {
      const key = crypto.randomUUID();
      const at = ranges.findIndex((r) => (r.lo === null || key > r.lo) && (r.hi === null || key <= r.hi));
      counts[at]++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(8_000);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %s ranges', (n) => {
    expect(() => planKeyRanges(n)).toThrow(RangeError);
  });
});
