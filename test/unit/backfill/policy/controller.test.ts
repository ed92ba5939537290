import { describe, expect, it } from 'vitest';
import { backfillSchema } from '../../../../src/backfill/options.js';
import {
  BatchSizer,
  controllerSettings,
  initialController,
  initialSize,
  observeBatch,
  splitAfterTimeout,
  type ControllerSettings,
  type ControllerState,
} from '../../../../src/backfill/policy/controller.js';

const adaptive: ControllerSettings = { targetMs: 200, min: 100, max: 50_000, initial: 1_000 };

function run(settings: ControllerSettings, samples: [rows: number, ms: number][]): number[] {
  let state: ControllerState = initialController(settings);
  const sizes = [state.size];
  for (const [rows, ms] of samples) {
    state = observeBatch(state, settings, { rows, ms });
    sizes.push(state.size);
  }
  return sizes;
}

describe('batch-size controller', () => {
  it('by default the first batch is 200 rows (the coldest rows of the run), aimed at 100 ms, and doubles while far below it', () => {
    const defaults = controllerSettings(backfillSchema.parse({}));
    expect(defaults).toMatchObject({ initial: 200, targetMs: 100 });
    expect(
      run(defaults, [
        [200, 10],
        [400, 20],
        [800, 40],
      ]),
    ).toEqual([200, 400, 800, 1_600]);
  });

  it.each<[string, ControllerSettings, [number, number][], number[]]>([
    ['starts at 1000 rows', adaptive, [], [1_000]],
    [
      'fast batches: at most doubles per batch',
      adaptive,
      [
        [1_000, 10],
        [2_000, 20],
        [4_000, 40],
      ],
      [1_000, 2_000, 4_000, 8_000],
    ],
    [
      'hits the target when the rate is steady',
      adaptive,
      [
        [1_000, 100],
        [2_000, 200],
        [2_000, 200],
      ],
      [1_000, 2_000, 2_000, 2_000],
    ],
    ['a slow first batch shrinks at once, not by halves', adaptive, [[1_000, 2_000]], [1_000, 100]],
    [
      'shrinks to the slowest rate the recent batches show',
      adaptive,
      [
        [1_000, 200],
        [1_000, 800],
      ],
      [1_000, 1_000, 250],
    ],
    [
      'aims under the target when timings scatter: sized for the slowest of the window',
      adaptive,
      [
        [2_000, 160],
        [2_000, 240],
        [2_000, 200],
      ],
      [1_000, 1_250, 1_562, 1_666],
    ],
    [
      'near the target it grows by a quarter at most, far below it doubles',
      adaptive,
      [
        [1_000, 50],
        [2_000, 120],
        [2_500, 120],
        [3_125, 130],
      ],
      [1_000, 2_000, 2_500, 3_125, 3_333],
    ],
    [
      'never above --batch-size-max',
      { ...adaptive, max: 3_000 },
      [
        [1_000, 1],
        [2_000, 1],
        [3_000, 1],
      ],
      [1_000, 2_000, 3_000, 3_000],
    ],
    ['never below --batch-size-min', { ...adaptive, min: 500 }, [[1_000, 60_000]], [1_000, 500]],
    ['an empty batch (end of range) changes nothing', adaptive, [[0, 5]], [1_000, 1_000]],
    ['a 0 ms batch counts as 1 ms', adaptive, [[1_000, 0]], [1_000, 2_000]],
    [
      '--batch-size fixes the size whatever the timings',
      { ...adaptive, batchSize: 5_000 },
      [
        [5_000, 10_000],
        [5_000, 1],
      ],
      [5_000, 5_000, 5_000],
    ],
    ['the initial size respects a max below 1000', { ...adaptive, max: 300 }, [], [300]],
  ])('%s', (_name, settings, samples, expected) => {
    expect(run(settings, samples)).toEqual(expected);
  });

  it('uses only the last 3 batches: an old slow batch stops counting', () => {
    const sizes = run(adaptive, [
      [1_000, 2_000],
      [100, 10],
      [200, 20],
      [400, 40],
      [800, 80],
    ]);
    // The slow batch (2 ms a row) holds the size at 100 while it is in the window; once out,
    // growth resumes by doubling.
    expect(sizes).toEqual([1_000, 100, 100, 100, 200, 400]);
  });

  it.each([
    [1_000, 500],
    [3, 1],
    [1, 1],
  ])('a timeout splits %i rows into %i and forgets the samples', (size, after) => {
    const state = splitAfterTimeout({ size, samples: [{ rows: size, ms: 10 }] });
    expect(state).toEqual({ size: after, samples: [] });
  });
});

describe("a lane's batch sizer", () => {
  it('starts where the start event says the first batch starts', () => {
    expect(new BatchSizer(() => adaptive).size).toBe(initialSize(adaptive));
    expect(initialSize({ ...adaptive, max: 300 })).toBe(300);
    expect(initialSize({ ...adaptive, batchSize: 7 })).toBe(7);
  });

  it('reads its aim at every step: `throttle --target-batch-ms` moves a running lane', () => {
    let settings = adaptive;
    const sizer = new BatchSizer(() => settings);
    sizer.observe({ rows: 1_000, ms: 100 });
    expect(sizer.size).toBe(2_000);
    settings = { ...adaptive, targetMs: 20 };
    sizer.observe({ rows: 2_000, ms: 200 });
    // 0.1 ms a row against an aim of 20 ms: 200 rows.
    expect(sizer.size).toBe(200);
  });

  it('after a timeout halves what the failed step tried, not its larger allowance', () => {
    const sizer = new BatchSizer(() => adaptive);
    expect(sizer.split(300)).toBe(150);
    expect(sizer.split()).toBe(75);
  });
});
