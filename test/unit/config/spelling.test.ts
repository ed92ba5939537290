import { describe, expect, it } from 'vitest';
import { editDistance, nearest } from '../../../src/config/spelling.js';

describe('typos', () => {
  it.each([
    ['lock-timout', ['lock-timeout', 'lock-retries', 'schema'], 'lock-timeout'],
    ['batch-sise', ['batch-size', 'batch-size-min'], 'batch-size'],
    ['statsu', ['up', 'down', 'status', 'backfill', 'verify'], 'status'],
    ['verif', ['up', 'down', 'status', 'backfill', 'verify'], 'verify'],
    ['xyz', ['up', 'down', 'status'], undefined],
  ])('%s → %s', (typed, candidates, expected) => {
    expect(nearest(typed, candidates)).toBe(expected);
  });

  it('edit distance', () => {
    expect([editDistance('kitten', 'sitting'), editDistance('', 'abc'), editDistance('same', 'same')]).toEqual([3, 3, 0]);
  });
});
