/** A run's summary: the duration of a run still open runs to the Runtime clock's time, a finished one's to its end. */
import { describe, expect, it } from 'vitest';
import { summarize } from '../../../src/backfill/summary.js';
import type { RunRow } from '../../../src/ledger/rows.js';
import { fakeClock } from '../../harness/fake-clock.js';

const run = (finishedAt: Date | null) =>
  ({
    id: 7,
    direction: 'forward',
    startedAt: new Date('2026-12-05T12:00:00Z'),
    finishedAt,
    rowsScanned: 10_000,
    rowsUpdated: 6_000,
    rowsApplicationWritten: 0,
    anomalies: {},
    batches: 10,
    busyMs: 2_000,
    longestBatchMs: 300,
    convergencePasses: 0,
    unconvergedRows: null,
    unreversibleRows: null,
  }) as unknown as RunRow;

describe('summarize', () => {
  it('a run still open: its duration so far, on the clock', () => {
    const clock = fakeClock(new Date('2026-12-05T12:00:00Z'));
    clock.advance(90_000);
    expect(summarize(run(null), clock.date())).toMatchObject({ durationMs: 90_000, busyMs: 2_000, rowsPerSecond: 5_000 });
  });

  it('a finished run: from start to finish, whatever the clock says now', () => {
    const clock = fakeClock(new Date('2026-12-06T00:00:00Z'));
    expect(summarize(run(new Date('2026-12-05T12:01:00Z')), clock.date()).durationMs).toBe(60_000);
  });
});
