import { describe, expect, it } from 'vitest';
import { replicaLines, type ReplicaRun } from '../../../../bench/report/replica.js';

const run = (over: Partial<ReplicaRun>): ReplicaRun => ({
  id: 'a',
  label: 'upstream',
  round: 1,
  peakReplayLagMs: 3_400,
  peakLagBytes: 120 * 1024 * 1024,
  catchUpMs: 2_100,
  samples: 40,
  lagPauses: 0,
  lagPausedMs: 0,
  ...over,
});

describe('replicaLines', () => {
  it('nothing without --replica', () => {
    expect(replicaLines(null)).toEqual([]);
    expect(replicaLines(undefined)).toEqual([]);
  });

  it('one row per contender: peak lag in time and bytes, catch-up, and the backfill pauses', () => {
    const text = replicaLines({
      description: 'PostgreSQL 15 on the same machine',
      intervalMs: 200,
      runs: [run({}), run({ id: 'b', label: 'toolkit', peakReplayLagMs: null, catchUpMs: null, lagPauses: 3, lagPausedMs: 3_000 })],
    }).join('\n');
    expect(text).toContain(
      "Streaming standby: PostgreSQL 15 on the same machine; the primary's view (pg_stat_replication) sampled every 200 ms",
    );
    expect(text).toMatch(/\(a\) upstream\s+3\.40 s\s+120 MB\s+2\.10 s\s+—$/m);
    expect(text).toMatch(/\(b\) toolkit\s+—\s+120 MB\s+—\s+3 \(3\.00 s\)$/m);
  });
});
