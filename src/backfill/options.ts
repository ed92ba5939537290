/**
 * The backfill's settings: the zod schema that judges raw values (flags, environment, config
 * file, or the programmatic API) and the parsed type the runner works with.
 */
import { z } from 'zod';
import { connectionShape, poolerShape, type Parsed, type Settings } from '../config/common.js';
import { byteSize, duration, flag, integer, oneOf } from '../config/fields.js';
import { metricsShape } from '../metrics/options.js';
import { WAL_COMPRESSION_MODES } from './policy/wal-compression.js';

export const BATCH_SIZE_LIMIT = 1_000_000;

const BATCHES = 'Batches:';
const RUN = 'Run:';
const SCALE = 'Scale and throttling:';

export const backfillShape = {
  ...connectionShape,
  ...metricsShape,
  ...poolerShape,
  /** Fixed rows per batch; when absent the size adapts to targetBatchMs. */
  batchSize: integer(1, BATCH_SIZE_LIMIT)
    .optional()
    .meta({ describe: 'fixed rows per batch (disables adaptive sizing)', defaultText: 'adaptive', group: BATCHES }),
  batchSizeMin: integer(1, BATCH_SIZE_LIMIT).prefault(100).meta({ describe: 'smallest adaptive batch', group: BATCHES }),
  batchSizeMax: integer(1, BATCH_SIZE_LIMIT).prefault(50_000).meta({ describe: 'largest adaptive batch', group: BATCHES }),
  // The controller aims, it does not cap: a COMMIT waiting on the WAL flush, a checkpoint or
  // the machine slowing down stretches a batch to about twice its aim (docs/benchmarks.md),
  // and 100 keeps that under the 250 ms a transaction on a busy table may take. Smaller
  // batches cost little here: a batch's own overhead is a few milliseconds.
  targetBatchMs: integer(1, 60_000)
    .prefault(100)
    .meta({ describe: 'adaptive sizing aims each batch at this many milliseconds', group: BATCHES }),
  dryRun: flag().prefault(false).meta({ describe: 'read only: report what would change, write nothing', group: RUN }),
  restart: flag().prefault(false).meta({ describe: 'abandon the unfinished run and start a fresh one', group: RUN, flagOnly: true }),
  wait: flag()
    .prefault(false)
    .meta({ describe: 'if another backfill is running, wait for it instead of failing (exit 7)', group: RUN, flagOnly: true }),
  /** How long a batch waits for a row lock before it is split and retried. */
  lockTimeout: duration(1, 3_600_000)
    .prefault('5s')
    .meta({ describe: 'a batch waiting longer for a row lock is split and retried', group: BATCHES }),
  /** How long one batch statement may run before it is split and retried. */
  statementTimeout: duration(1, 3_600_000)
    .prefault('30s')
    .meta({ describe: 'a batch running longer is split and retried', group: BATCHES }),
  /** Attempts per batch for transient failures before the run stops, resumable. */
  maxRetries: integer(0, 1_000)
    .prefault(8)
    .meta({ describe: 'attempts per batch on transient failures before stopping (resumable)', group: BATCHES }),
  /** Sweeps over the whole table after the first pass, for rows inserted behind the walk. */
  convergePasses: integer(0, 100)
    .prefault(3)
    .meta({ describe: 'sweeps for rows inserted behind the walk after the first pass', group: BATCHES }),
  /**
   * Concurrent workers in this process, each with its own connection. Absent: the classic
   * single runner, which holds the run alone. Present (even 1): this process joins the run
   * with other worker processes and shares its ranges (of heap pages, or of keys on PostgreSQL 13).
   */
  workers: integer(1, 64).optional().meta({
    describe:
      'run N workers (1-64), each on its own connection, over ranges of the table claimed in the ledger; more processes started with --workers (any host) join the same run',
    defaultText: 'single runner',
    group: SCALE,
  }),
  /** Pause while a standby's replay lag is above this; resume below half of it. */
  maxReplicationLag: duration(100, 3_600_000).prefault('10s').meta({
    describe: 'pause while a standby replays more than this behind (pg_stat_replication.replay_lag); resume below half of it',
    group: SCALE,
  }),
  /**
   * Pause while a standby has more WAL than this left to replay; resume below half of it; 0 =
   * off. It catches what the time lag misses: replay_lag reads NULL for an idle standby, stale
   * between its status reports, and small for one replaying a backlog after a reconnection.
   */
  maxReplicationLagBytes: byteSize(0, 2 ** 50)
    .prefault('1GB')
    .meta({
      describe:
        'pause while a standby has more than this much WAL left to replay (pg_current_wal_lsn() - replay_lsn, e.g. 512MB); resume below half of it; 0 = off',
      group: SCALE,
    }),
  /** Rows per second this process may scan, all its workers together; absent = no limit. */
  maxRowsPerSecond: integer(1, 100_000_000)
    .optional()
    .meta({ describe: 'scan at most this many rows per second (this process, all workers)', defaultText: 'unlimited', group: SCALE }),
  /** A fixed pause after every batch. */
  pauseMs: duration(0, 3_600_000).prefault(0).meta({ describe: 'fixed pause after every batch (e.g. 50ms, 1s)', group: SCALE }),
  /**
   * How a new run walks the table: heap pages in physical order (PostgreSQL 14+: each page
   * written about once per pass, whatever the checkpoints), or primary-key order. A resumed run
   * keeps the walk it began with.
   */
  walk: oneOf(['auto', 'page', 'key'] as const)
    .prefault('auto')
    .meta({
      describe:
        'walk a new run in heap page order (page; PostgreSQL 14+) or primary-key order (key); auto: page where the server has TID range scans',
      group: BATCHES,
    }),
  /**
   * The page walk's read-ahead (src/backfill/run/read-ahead.ts): a single runner judges the next
   * window on a second session while this one's rounds write. Off by default: side by side on
   * this project's benchmark machine it saved no measurable time (docs/benchmarks.md,
   * "Read-ahead"); auto runs it only where it costs no extra page images
   * (src/backfill/policy/read-ahead.ts says where).
   */
  readAhead: oneOf(['off', 'auto', 'on'] as const)
    .prefault('off')
    .meta({
      describe:
        'page walk, single runner: judge the next window on a second connection while this one is written; auto: only where windows are not kept short by checkpoints and, if the server logs hint bits, checkpoints are rare; on: always',
      group: SCALE,
    }),
  /**
   * The page images the backfill's transactions log, compressed (src/backfill/policy/wal-compression.ts):
   * most of a long run's WAL is page images after checkpoints.
   */
  walCompression: oneOf(WAL_COMPRESSION_MODES)
    // Not on by default: a standby (or a restore) on a build without the method cannot replay
    // the images and shuts down (test/integration/backfill-wal-compression.test.ts). Only the
    // operator knows every build that will read this WAL.
    .prefault('off')
    .meta({
      describe:
        "compress the page images the backfill's transactions write to WAL (a superuser setting: superuser or GRANT SET ON PARAMETER wal_compression); every standby and restore must be built with the method; auto: lz4 where the server has it, the role may set it and the server does not compress already (pglz only when named: it cost more time than it saved in the benchmark); a method: that one, or refuse to start",
      group: SCALE,
    }),
  /** Copy column values back into metadata (before `down`), instead of filling the columns. */
  reverse: flag().prefault(false).meta({
    describe:
      'copy column values back into metadata (cache_read_input / cache_creation_input) where it lacks them, so `down` loses nothing',
    group: RUN,
  }),
} as const;

export const backfillSchema = z
  .object(backfillShape)
  .strict()
  .superRefine((value, ctx) => {
    if (value.batchSizeMin > value.batchSizeMax) {
      ctx.addIssue({
        code: 'custom',
        path: ['batchSizeMin'],
        message: `must not exceed --batch-size-max (${value.batchSizeMax}), got ${value.batchSizeMin}`,
      });
    }
    if (value.reverse && value.dryRun) {
      ctx.addIssue({
        code: 'custom',
        path: ['reverse'],
        message:
          'cannot be combined with --dry-run (the dry run previews the forward backfill); run `aibridge-migrate verify` to see which rows still need reversing',
      });
    }
  });

/**
 * The server ends a transaction left idle this long: a runner stopped (SIGSTOP, a hung host)
 * inside a batch or a dry run must not hold row locks or a snapshot for ever.
 */
export function idleInTransactionTimeoutMs(statementTimeoutMs: number): number {
  return Math.max(60_000, statementTimeoutMs * 2);
}

export type BackfillOptions = Parsed<typeof backfillSchema>;
export type BackfillInput = z.input<typeof backfillSchema>;

/** Options with the connection resolved (src/config/resolve.ts). */
export type BackfillConfig = Settings<typeof backfillSchema>;
