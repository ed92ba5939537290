/**
 * Measures one contender on its clone, alone on the server: checkpoint first (so it neither
 * inherits dirty buffers nor a half-done checkpoint), then WAL position, update counters and a
 * transaction sampler around the run, then what the table looks like afterwards.
 */
import os from 'node:os';
import pg from 'pg';
import { batchPoints, type BatchPoint } from './batch-events.js';
import type { ContenderId } from './options.js';
import { checkpoint, APP_SCHEMA, TABLE } from './dataset.js';
import type { Contender, ContenderContext, StepRun } from './contenders/step.js';
import { checkpointsBegun, fullPageImagesByKind, walInspectAvailable, type ImagesByRelation } from './metrics/full-page-images.js';
import { readTableStats, type TableStats } from './metrics/table-stats.js';
import { startTransactionSampler, type TransactionSample } from './metrics/txn-sampler.js';
import { currentWalLsn, walBytesSince } from './metrics/wal.js';

export interface StepSummary {
  name: string;
  ok: boolean;
  wallMs: number;
  exitCode: number | null;
  peakRssBytes: number | null;
  /** The toolkit process's own CPU (user + system), when GNU time is available. */
  cpuMs: number | null;
  error: string | null;
}

export interface Measurement {
  id: ContenderId;
  label: string;
  /** Which round of `--rounds` (1-based); ratios are taken within a round (report/rounds.ts). */
  round: number;
  status: 'ok' | 'failed';
  error: string | null;
  steps: StepSummary[];
  wallMs: number;
  /** Table rows (the dataset's N) per second of wall time. */
  rowsPerSecond: number;
  walBytes: number;
  heapBytesAfter: number;
  indexBytesAfter: number;
  /** Row versions written in the table (n_tup_upd difference). */
  rowsUpdated: number;
  hotUpdated: number;
  /** HOT updates / updates; null when nothing was updated. */
  hotShare: number | null;
  /**
   * Full-page images written during the run: `all` from pg_stat_wal (14+); heap and index apart
   * from pg_walinspect (15+), else null.
   */
  fullPageImages: { all: number; heap: number | null; index: number | null } | null;
  /**
   * Checkpoints that began during the run: from the WAL where pg_walinspect can read it (15+),
   * else the server's count, which also counts the timed checkpoints it skipped (nothing logged
   * since the last one's record).
   */
  checkpoints: number | null;
  /** Blocks of the table (heap, indexes) read in and found in shared buffers during the run. */
  blocks: TableStats['blocks'];
  longestTransaction: TransactionSample;
  /** From the backfill's own per-batch events, when it emitted any. */
  batches: number;
  longestBatchMs: number | null;
  /** Largest peak RSS of the toolkit's processes; null for contenders run as SQL in the runner. */
  peakRssBytes: number | null;
  rssMethod: string | null;
  columnSums: TableStats['columnSums'];
  /** 1-minute load average before and after: a shared machine's noise, made visible. */
  loadAverage: [number, number];
}

export interface MeasuredRun {
  measurement: Measurement;
  batchPoints: BatchPoint[];
}

export async function measureContender(options: {
  id: ContenderId;
  label: string;
  round: number;
  contender: Contender;
  context: ContenderContext;
  adminUrl: string;
  database: string;
  datasetRows: number;
  excludeApplications?: string[];
}): Promise<MeasuredRun> {
  const { adminUrl, context } = options;
  await checkpoint(adminUrl);
  const serverBefore = await serverCounters(adminUrl);
  const loadBefore = os.loadavg()[0]!;
  const before = await readTableStats(context.url, APP_SCHEMA, TABLE, { settleMs: 1000, sums: false });
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'aibridge-bench-wal' });
  admin.on('error', () => {});
  await admin.connect();
  let steps: StepRun[];
  let walBytes: number;
  let longestTransaction: TransactionSample;
  let images: ImagesByRelation | null = null;
  let checkpointsInRun: number | null = null;
  try {
    const startLsn = await currentWalLsn(admin);
    const sampler = await startTransactionSampler({
      adminUrl,
      database: options.database,
      ...(options.excludeApplications ? { excludeApplications: options.excludeApplications } : {}),
    });
    try {
      steps = await options.contender({ ...context, observeBackend: (pid) => sampler.observeBackend(pid) });
    } finally {
      longestTransaction = await sampler.stop();
    }
    walBytes = await walBytesSince(admin, startLsn);
    const endLsn = await currentWalLsn(admin);
    if (await walInspectAvailable(admin)) {
      // pg_walinspect reads only WAL already flushed: a checkpoint flushes the run's. On a server
      // that does not keep it (wal_keep_size, server.ts), the WAL may be gone: no split then.
      await admin.query('CHECKPOINT');
      images = await fullPageImagesByKind(admin, startLsn, endLsn).catch(() => null);
      checkpointsInRun = await checkpointsBegun(admin, startLsn, endLsn).catch(() => null);
    }
  } finally {
    await admin.end();
  }
  const serverAfter = await serverCounters(adminUrl);
  const after = await readTableStats(context.url, APP_SCHEMA, TABLE);

  const failed = steps.find((s) => !s.ok);
  const wallMs = steps.reduce((sum, s) => sum + s.wallMs, 0);
  const rowsUpdated = after.tupUpdated - before.tupUpdated;
  const hotUpdated = after.tupHotUpdated - before.tupHotUpdated;
  const points = steps.flatMap((s) => batchPoints(s.jsonLines ?? []));
  const rss = steps.map((s) => s.peakRssBytes).filter((v): v is number => typeof v === 'number');
  return {
    batchPoints: points,
    measurement: {
      id: options.id,
      label: options.label,
      round: options.round,
      status: failed ? 'failed' : 'ok',
      error: failed?.error ?? null,
      steps: steps.map((s) => ({
        name: s.name,
        ok: s.ok,
        wallMs: s.wallMs,
        exitCode: s.exitCode ?? null,
        peakRssBytes: s.peakRssBytes ?? null,
        cpuMs: s.cpuMs ?? null,
        error: s.error ?? null,
      })),
      wallMs,
      rowsPerSecond: wallMs > 0 ? options.datasetRows / (wallMs / 1000) : 0,
      walBytes,
      heapBytesAfter: after.heapBytes,
      indexBytesAfter: after.indexBytes,
      rowsUpdated,
      hotUpdated,
      hotShare: rowsUpdated > 0 ? hotUpdated / rowsUpdated : null,
      fullPageImages:
        serverBefore.fpi === null || serverAfter.fpi === null
          ? null
          : { all: images?.all ?? serverAfter.fpi - serverBefore.fpi, heap: images?.heap ?? null, index: images?.index ?? null },
      checkpoints:
        checkpointsInRun ??
        (serverBefore.checkpoints === null || serverAfter.checkpoints === null ? null : serverAfter.checkpoints - serverBefore.checkpoints),
      blocks: {
        heapRead: after.blocks.heapRead - before.blocks.heapRead,
        heapHit: after.blocks.heapHit - before.blocks.heapHit,
        indexRead: after.blocks.indexRead - before.blocks.indexRead,
        indexHit: after.blocks.indexHit - before.blocks.indexHit,
      },
      longestTransaction,
      batches: points.length,
      longestBatchMs: points.length > 0 ? points.reduce((max, p) => Math.max(max, p.durationMs), 0) : null,
      peakRssBytes: rss.length > 0 ? Math.max(...rss) : null,
      rssMethod: steps.find((s) => s.rssMethod)?.rssMethod ?? null,
      columnSums: after.columnSums,
      loadAverage: [loadBefore, os.loadavg()[0]!],
    },
  };
}

/**
 * Server-wide counters: full-page images (pg_stat_wal, 14+) and checkpoints begun
 * (pg_stat_checkpointer from 17, pg_stat_bgwriter before). Each null where the server lacks it.
 */
async function serverCounters(adminUrl: string): Promise<{ fpi: number | null; checkpoints: number | null }> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'aibridge-bench-metrics' });
  await client.connect();
  try {
    const version = Number((await client.query(`SELECT current_setting('server_version_num') AS v`)).rows[0].v);
    await client.query('SELECT pg_stat_clear_snapshot()');
    const fpi = version >= 140000 ? Number((await client.query('SELECT wal_fpi FROM pg_stat_wal')).rows[0].wal_fpi) : null;
    const checkpoints = Number(
      (
        await client.query(
          version >= 170000
            ? 'SELECT num_timed + num_requested AS n FROM pg_stat_checkpointer'
            : 'SELECT checkpoints_timed + checkpoints_req AS n FROM pg_stat_bgwriter',
        )
      ).rows[0].n,
    );
    return { fpi, checkpoints };
  } finally {
    await client.end();
  }
}
