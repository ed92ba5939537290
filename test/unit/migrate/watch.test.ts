/** status --watch's frame: run-wide rate and ETA from two looks, processes with their lanes, paused or throttled. */
import { describe, expect, it } from 'vitest';
import type { BackfillRunSummary } from '../../../src/migrate/status.js';
import { watchFrame, watchText } from '../../../src/migrate/watch.js';

const run = (over: Partial<BackfillRunSummary> = {}, remaining = 600): BackfillRunSummary => ({
  id: 7,
  direction: 'forward',
  status: 'running',
  startedAt: new Date(0),
  updatedAt: new Date(0),
  finishedAt: null,
  rowsScanned: 400,
  rowsUpdated: 200,
  unconvergedRows: null,
  lastError: null,
  progress: {
    pass: 0,
    fraction: (1000 - remaining) / 1000,
    estimatedRows: 1000,
    rowsRemaining: remaining,
    rowsPerSecond: 50,
    ranges: { total: 8, done: 2 },
    claims: [
      { rangeNo: 3, pass: 0, claimedBy: 'ops-1 pid 42 lane 2', claimedAt: null, held: true },
      { rangeNo: 1, pass: 0, claimedBy: 'ops-1 pid 42 lane 1', claimedAt: null, held: true },
      { rangeNo: 5, pass: 0, claimedBy: 'ops-2 pid 9 lane 1', claimedAt: null, held: false },
    ],
  },
  holders: [{ backendPid: 1, clientAddr: null, applicationName: null, since: null, mode: 'shared', host: 'ops-1', pid: 42 }],
  control: { state: 'running', maxRowsPerSecond: 500, targetBatchMs: null },
  controlLog: [],
  waiting: null,
  ...over,
});

describe('status --watch frames', () => {
  it('takes the run-wide rate and ETA from two looks of the same pass', () => {
    const first = watchFrame(run({}, 600), null, 1_000);
    expect([first.rowsPerSecond, first.etaMs, first.percent, first.rowsRemaining]).toEqual([null, null, 40, 600]);
    const second = watchFrame(run({}, 400), first.sample, 3_000);
    expect([second.rowsPerSecond, second.etaMs]).toEqual([100, 4_000]);
  });

  it('lists each process with the lanes whose range claims it still holds', () => {
    const frame = watchFrame(run(), null, 0);
    expect(frame.processes).toEqual([
      {
        host: 'ops-1',
        pid: 42,
        mode: 'workers',
        lanes: [
          { lane: 1, rangeNo: 1 },
          { lane: 2, rangeNo: 3 },
        ],
      },
    ]);
    expect(watchText(frame)).toEqual([
      'forward run #7 running · throttled · 40% of the first pass · ~600 rows left · ? rows/s (run-wide) · ETA ?',
      '  throttled: at most 500 rows/s per process',
      '  ops-1 pid 42 (workers): lane 1 on range 1, lane 2 on range 3',
    ]);
  });

  it('says PAUSED', () => {
    const frame = watchFrame(run({ control: { state: 'paused', maxRowsPerSecond: null, targetBatchMs: null } }), null, 0);
    expect(watchText(frame)[0]).toMatch(/^forward run #7 running · PAUSED · 40%/);
  });
});
