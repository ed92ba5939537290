/**
 * How far a streaming standby falls behind while a contender runs, as the primary sees it
 * (pg_stat_replication, the same figures the backfill's throttle reads): replay_lag and the WAL
 * not yet replayed (pg_current_wal_lsn() − replay_lsn), sampled every `intervalMs` from a
 * connection of its own. Both are as of the standby's latest status report, so the peaks are
 * the peaks the primary could see: a lower bound, short by at most one interval.
 *
 * After the contender, how long the standby takes to replay everything the primary had written
 * when it ended: read on the standby itself (pg_last_wal_replay_lsn()), which knows at once.
 */
import pg from 'pg';

export interface ReplicaLagSample {
  peakReplayLagMs: number | null;
  peakLagBytes: number | null;
  samples: number;
  intervalMs: number;
}

export interface ReplicaLagSampler {
  stop(): Promise<ReplicaLagSample>;
}

export async function startReplicaLagSampler(options: {
  adminUrl: string;
  applicationName: string;
  intervalMs?: number;
}): Promise<ReplicaLagSampler> {
  const intervalMs = options.intervalMs ?? 200;
  const client = new pg.Client({ connectionString: options.adminUrl, application_name: 'aibridge-bench-replica-lag' });
  client.on('error', () => {});
  await client.connect();
  let peakReplayLagMs: number | null = null;
  let peakLagBytes: number | null = null;
  let samples = 0;
  let stopped = false;
  let failure: unknown;
  const max = (a: number | null, b: number | null) => (b === null ? a : a === null ? b : Math.max(a, b));
  const loop = (async () => {
    while (!stopped) {
      try {
        const { rows } = await client.query<{ lag_ms: number | null; lag_bytes: number | null }>(
          `SELECT (extract(epoch FROM replay_lag) * 1000)::float8 AS lag_ms,
                  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS lag_bytes
             FROM pg_stat_replication WHERE application_name = $1`,
          [options.applicationName],
        );
        samples += 1;
        for (const row of rows) {
          peakReplayLagMs = max(peakReplayLagMs, row.lag_ms === null ? null : Number(row.lag_ms));
          peakLagBytes = max(peakLagBytes, row.lag_bytes === null ? null : Number(row.lag_bytes));
        }
      } catch (error) {
        failure = error;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await client.end();
      if (failure) throw failure;
      return { peakReplayLagMs, peakLagBytes, samples, intervalMs };
    },
  };
}

/**
 * Milliseconds until the standby has replayed everything the primary has written now; null
 * when it has not within `timeoutMs`.
 */
export async function timeToCatchUp(options: { adminUrl: string; standbyUrl: string; timeoutMs: number }): Promise<number | null> {
  const started = performance.now();
  const primary = new pg.Client({ connectionString: options.adminUrl, application_name: 'aibridge-bench-replica-lag' });
  await primary.connect();
  let target: string;
  try {
    target = (await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  } finally {
    await primary.end();
  }
  const standby = new pg.Client({ connectionString: options.standbyUrl, application_name: 'aibridge-bench-replica-lag' });
  await standby.connect();
  try {
    for (;;) {
      const { rows } = await standby.query<{ done: boolean }>('SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done', [
        target,
      ]);
      const elapsed = performance.now() - started;
      if (rows[0]!.done) return elapsed;
      if (elapsed > options.timeoutMs) return null;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await standby.end();
  }
}
