import { describe, expect, it } from 'vitest';
import { controllerSettings, type ControllerSettings } from '../../../../src/backfill/policy/controller.js';
import { laneWalker } from '../../../../src/backfill/run/lane.js';
import type { WalkSettings } from '../../../../src/backfill/run/walker.js';
import { FORWARD } from '../../../../src/backfill/sql/direction.js';
import { tables } from '../../../../src/names.js';

const settings: WalkSettings = {
  ops: FORWARD,
  tables: tables('public', 'aibridge_migrate'),
  timeouts: { statementTimeoutMs: 30_000, lockTimeoutMs: 5_000 },
  clock: { now: () => 0, date: () => new Date(0) },
  runStartedAt: new Date(0),
  firstPassCountsRowsAtStart: false,
  pace: { walBytes: Number.POSITIVE_INFINITY, timeoutMs: Number.POSITIVE_INFINITY, hintsLogged: false },
  maxRowsPerSecond: () => null,
  readAhead: null,
  walCompression: null,
};
const adaptive: ControllerSettings = controllerSettings({ targetBatchMs: 100, batchSizeMin: 1, batchSizeMax: 50_000 });

describe("a lane's controllers", () => {
  it.each(['key', 'page'] as const)('%s walk: the count that ends a pass is sized by the controller the walker reads with', (walk) => {
    const { walker, reads } = laneWalker(walk, settings, () => adaptive);
    expect(walker.size).toBe(reads.size);
    // What the count learns, the walker's next reading step uses (and the other way round).
    reads.observe({ rows: reads.size, ms: 1 });
    expect(walker.size).toBe(reads.size);
    expect(walker.split()).toBe(reads.size);
  });

  it('each lane has its own: one lane learning leaves another as it was', () => {
    const one = laneWalker('key', settings, () => adaptive);
    const two = laneWalker('key', settings, () => adaptive);
    one.reads.observe({ rows: one.reads.size, ms: 1 });
    expect(two.walker.size).toBe(adaptive.initial);
    expect(one.walker.size).toBeGreaterThan(two.walker.size);
  });
});
