import { describe, expect, it } from 'vitest';
import { percentile, summarizeLatencies } from '../../../bench/stats.js';

describe('percentiles', () => {
  it.each([
    [[], 50, null],
    [[5], 99, 5],
    [[1, 2, 3, 4], 50, 2],
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
    [Array.from({ length: 200 }, (_, i) => i + 1), 99, 198],
  ])('nearest rank of %j at p%d is %j', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('summarizes unsorted input', () => {
    expect(summarizeLatencies([30, 10, 20])).toEqual({ count: 3, p50Ms: 20, p99Ms: 30, maxMs: 30 });
  });
});
