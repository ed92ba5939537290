import { describe, expect, it } from 'vitest';
import { niceTicks } from '../../../../bench/report/chart.js';

describe('niceTicks', () => {
  it.each([
    [0, [0]],
    [7, [0, 2, 4, 6, 8]],
    [1000, [0, 200, 400, 600, 800, 1000]],
    [0.3, [0, 0.1, 0.2, 0.3]],
  ])('%d → %j', (max, expected) => {
    expect(niceTicks(max)).toEqual(expected);
  });
});
