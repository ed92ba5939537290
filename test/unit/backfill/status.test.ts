/**
 * What `status` says about a backfill run, as pure functions of the ledger's rows and the
 * advisory locks in pg_locks.
 */
import { describe, expect, it } from 'vitest';
import { runLockSessions, runProgress, type RunLocks } from '../../../src/backfill/status.js';
import type { RangeRow } from '../../../src/ledger/rows.js';

const range = (
  rangeNo: number,
  lo: string | null,
  hi: string | null,
  extra: Partial<{ pass: number; checkpoint: string | null; done: boolean; rowsScanned: number; claimedBy: string | null }> = {},
): RangeRow => ({
  runId: 1,
  rangeNo,
  pass: extra.pass ?? 0,
  lo,
  hi,
  checkpoint: extra.checkpoint ?? null,
  pages: null,
  status: extra.done ? 'done' : 'pending',
  rowsScanned: extra.rowsScanned ?? 0,
  rowsUpdated: 0,
  claimedBy: extra.claimedBy ?? null,
  claimedAt: null,
});

const noLocks: RunLocks = { run: [], ranges: new Map() };

const HALF = '80000000-0000-4000-8000-000000000000';

const QUARTER = '40000000-0000-4000-8000-000000000000';

describe('progress of a run from its key ranges', () => {
  it.each([
    ['nothing done', [range(0, null, null)], 0, 1_000, 1_000],
    ['single range, checkpoint at half the key space', [range(0, null, null, { checkpoint: HALF, rowsScanned: 500 })], 0.5, 1_000, 500],
    [
      'two ranges, the first done and the second a quarter in',
      [
        range(0, null, HALF, { done: true, rowsScanned: 500 }),
        range(1, HALF, null, { checkpoint: 'c0000000-0000-4000-8000-000000000000', rowsScanned: 250 }),
      ],
      0.75,
      1_000,
      250,
    ],
    [
      'a sweep follows a finished first pass',
      [range(0, null, null, { done: true, rowsScanned: 1000 }), range(1, null, null, { pass: 1, checkpoint: QUARTER, rowsScanned: 260 })],
      0.25,
      1_040,
      780,
    ],
  ])('%s', (_name, ranges, fraction, estimatedRows, remaining) => {
    const p = runProgress({ rowsEstimated: 1_000, rowsScanned: 1_000, busyMs: 2_000 }, ranges, noLocks);
    expect(p.fraction).toBeCloseTo(fraction, 6);
    expect(p.estimatedRows).toBe(estimatedRows);
    expect(p.rowsRemaining).toBe(remaining);
    expect(p.rowsPerSecond).toBe(500);
  });

  it('names the workers’ claims and whether their session still holds them', () => {
    const ranges = [
      range(0, null, HALF, { claimedBy: 'host-a pid 11 lane 1' }),
      range(1, HALF, null, { claimedBy: 'host-b pid 22 lane 1' }),
    ];
    // Session 901 holds the run lock shared, and range 0's lock.
    const locks: RunLocks = {
      run: [{ pid: 901, mode: 'shared', clientAddr: '10.0.0.1', applicationName: 'aibridge-migrate backfill', backendStart: new Date(0) }],
      ranges: new Map([[0, 901]]),
    };
    const p = runProgress({ rowsEstimated: 10, rowsScanned: 0, busyMs: 0 }, ranges, locks);
    expect(p.rowsPerSecond).toBeNull();
    expect(p.claims.map((c) => [c.rangeNo, c.claimedBy, c.held])).toEqual([
      [0, 'host-a pid 11 lane 1', true],
      [1, 'host-b pid 22 lane 1', false],
    ]);
    expect(runLockSessions({ host: 'ledger-host', pid: 1 }, ranges, locks)).toEqual([
      {
        backendPid: 901,
        clientAddr: '10.0.0.1',
        applicationName: 'aibridge-migrate backfill',
        since: new Date(0),
        mode: 'shared',
        host: 'host-a',
        pid: 11,
      },
    ]);
  });

  it('the single runner is named by the ledger’s host and pid', () => {
    const locks: RunLocks = {
      run: [{ pid: 7, mode: 'exclusive', clientAddr: null, applicationName: 'aibridge-migrate backfill', backendStart: null }],
      ranges: new Map(),
    };
    expect(runLockSessions({ host: 'ops-1', pid: 4242 }, [], locks)).toMatchObject([
      { mode: 'exclusive', host: 'ops-1', pid: 4242, backendPid: 7 },
    ]);
  });
});
