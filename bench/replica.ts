/**
 * `npm run bench -- --replica`: a streaming standby of the benchmark's server (a physical slot
 * and `pg_basebackup -R`, test/harness/standby.ts), attached while the contenders run alone.
 * Each contender starts with the standby caught up; while it runs, the replay lag the primary
 * reports is sampled; after it, the time until the standby has replayed everything is
 * measured. The standby replays on the same machine, so the contenders' figures with --replica
 * are not comparable to figures without it.
 */
import { findPgBasebackup, startStandby, type Standby } from '../test/harness/standby.js';
import type { Contender, StepRun } from './contenders/step.js';
import { startReplicaLagSampler, timeToCatchUp, type ReplicaLagSample } from './metrics/replica-lag.js';
import type { ContenderId } from './options.js';
import type { ReplicaReport, ReplicaRun } from './report/replica.js';

export const BENCH_STANDBY_NAME = 'aibridge_bench_standby';
const SAMPLE_INTERVAL_MS = 200;
const CATCH_UP_BOUND_MS = 30 * 60_000;

export interface ReplicaBench {
  /** The contender, run with the standby caught up first, its lag sampled, its catch-up timed. */
  watch(id: ContenderId, label: string, round: number, contender: Contender): Contender;
  report(): ReplicaReport;
  stop(): Promise<void>;
}

export async function startReplicaBench(options: {
  adminUrl: string;
  major: number;
  /** The primary's own settings: the standby replays with the same memory and checkpoint spacing. */
  settings: Record<string, string>;
  log: (line: string) => void;
}): Promise<ReplicaBench> {
  const basebackup = findPgBasebackup(options.major);
  if (basebackup.status === 'missing') throw new Error(`--replica: ${basebackup.reason}`);
  const primary = { major: options.major, port: Number(new URL(options.adminUrl).port), url: options.adminUrl };
  options.log(`starting a streaming standby (${basebackup.path}) …`);
  const standby: Standby = await startStandby(primary, {
    pgBasebackup: basebackup.path,
    applicationName: BENCH_STANDBY_NAME,
    fast: false,
    settings: options.settings,
  });
  await standby.waitStreaming();
  const runs: ReplicaRun[] = [];
  const description = `PostgreSQL ${options.major} on the same machine, pg_basebackup ${basebackup.major} -R with slot ${standby.slot}, durability on, ${Object.entries(
    options.settings,
  )
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}`;

  return {
    watch: (id, label, round, contender) => async (context) => {
      await standby.waitCaughtUp(CATCH_UP_BOUND_MS);
      const sampler = await startReplicaLagSampler({
        adminUrl: options.adminUrl,
        applicationName: BENCH_STANDBY_NAME,
        intervalMs: SAMPLE_INTERVAL_MS,
      });
      let steps: StepRun[];
      let lag: ReplicaLagSample;
      try {
        steps = await contender(context);
      } finally {
        lag = await sampler.stop();
      }
      const catchUpMs = await timeToCatchUp({ adminUrl: options.adminUrl, standbyUrl: standby.server.url, timeoutMs: CATCH_UP_BOUND_MS });
      const pauses = steps
        .flatMap((s) => s.jsonLines ?? [])
        .map((line) => line.value as { event?: string; cause?: string; duration_ms?: number })
        .filter((v) => v.event === 'pause' && v.cause === 'replication_lag');
      runs.push({
        id,
        label,
        round,
        peakReplayLagMs: lag.peakReplayLagMs,
        peakLagBytes: lag.peakLagBytes,
        catchUpMs,
        samples: lag.samples,
        lagPauses: pauses.length,
        lagPausedMs: pauses.reduce((sum, p) => sum + (p.duration_ms ?? 0), 0),
      });
      return steps;
    },
    report: () => ({ description, intervalMs: SAMPLE_INTERVAL_MS, runs }),
    stop: () => standby.stop(),
  };
}
