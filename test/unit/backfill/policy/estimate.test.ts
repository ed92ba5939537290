import { describe, expect, it } from 'vitest';
import { etaMs, estimateTotalRows, keyFraction } from '../../../../src/backfill/policy/estimate.js';

describe('progress estimates', () => {
  it.each([
    ['00000000-0000-4000-8000-000000000000', 0],
    ['80000000-0000-4000-8000-000000000000', 0.5],
    ['40000000-0000-4000-8000-000000000000', 0.25],
    ['not-a-uuid', 0],
  ])('key %s sits at %f of the key space', (uuid, fraction) => {
    expect(keyFraction(uuid)).toBeCloseTo(fraction, 6);
  });

  it.each([
    ['trusts the catalog at the start', { catalogRows: 1_000_000, done: 5_000, fraction: 0.005 }, 1_000_000],
    ['refines from the key position once it means something', { catalogRows: 1_000_000, done: 300_000, fraction: 0.25 }, 1_200_000],
    ['never below what is already done', { catalogRows: 10, done: 5_000, fraction: 0.001 }, 5_000],
    ['never-analyzed table (reltuples -1)', { catalogRows: -1, done: 0, fraction: 0 }, 0],
  ])('%s', (_name, input, total) => {
    expect(estimateTotalRows(input)).toBe(total);
  });

  it.each([
    [1_000, 500, 2_000],
    [0, 500, 0],
    [-5, 500, 0],
    [1_000, 0, null],
  ])('eta of %i rows at %i rows/s is %s ms', (rows, rate, ms) => {
    expect(etaMs(rows, rate)).toBe(ms);
  });
});
