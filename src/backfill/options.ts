/**
 * The backfill's settings: the zod schema that judges raw values (flags, environment, config
 * file, or the programmatic API) and the parsed type the runner works with.
 */
import { z } from 'zod';
import { connectionShape } from '../config/common.js';
import { duration, flag, integer } from '../config/fields.js';

export const BATCH_SIZE_LIMIT = 1_000_000;

export const backfillShape = {
  ...connectionShape,
  /** Fixed rows per batch; when absent the size adapts to targetBatchMs. */
  batchSize: integer(1, BATCH_SIZE_LIMIT).optional(),
  batchSizeMin: integer(1, BATCH_SIZE_LIMIT).default(100),
  batchSizeMax: integer(1, BATCH_SIZE_LIMIT).default(50_000),
  targetBatchMs: integer(1, 60_000).default(200),
  dryRun: flag().default(false),
  restart: flag().default(false),
  wait: flag().default(false),
  /** How long a batch waits for a row lock before it is split and retried. */
  lockTimeout: duration(1, 3_600_000).default(5_000),
  /** How long one batch statement may run before it is split and retried. */
  statementTimeout: duration(1, 3_600_000).default(30_000),
  /** Attempts per batch for transient failures before the run stops, resumable. */
  maxRetries: integer(0, 1_000).default(8),
  /** Sweeps over the whole key range after the keyed pass, for rows inserted behind the cursor. */
  convergePasses: integer(0, 100).default(3),
  /**
   * Concurrent workers in this process, each with its own connection. Absent: the classic
   * single runner, which holds the run alone. Present (even 1): this process joins the run
   * with other worker processes and shares its key ranges.
   */
  workers: integer(1, 64).optional(),
  /** Pause while the replicas' replay lag is above this; resume below half of it. */
  maxReplicationLag: duration(100, 3_600_000).default(10_000),
  /** Rows per second this process may scan, all its workers together; absent = no limit. */
  maxRowsPerSecond: integer(1, 100_000_000).optional(),
  /** A fixed pause after every batch. */
  pauseMs: duration(0, 3_600_000).default(0),
  /** Copy column values back into metadata (before `down`), instead of filling the columns. */
  reverse: flag().default(false),
} as const;

export const backfillSchema = z.object(backfillShape).strict().superRefine((value, ctx) => {
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
      message: 'cannot be combined with --dry-run (the dry run previews the forward backfill); run `aibridge-migrate verify` to see which rows still need reversing',
    });
  }
});

export type BackfillOptions = z.output<typeof backfillSchema>;
export type BackfillInput = z.input<typeof backfillSchema>;

/** Options with the database URL known to be present. */
export type BackfillConfig = Omit<BackfillOptions, 'databaseUrl'> & { databaseUrl: string };

/** Flag names the CLI declares for this command (the common ones come from COMMON_FLAGS). */
export const BACKFILL_OPTION_KEYS = [
  'batchSize',
  'batchSizeMin',
  'batchSizeMax',
  'targetBatchMs',
  'dryRun',
  'restart',
  'wait',
  'lockTimeout',
  'statementTimeout',
  'maxRetries',
  'convergePasses',
  'workers',
  'maxReplicationLag',
  'maxRowsPerSecond',
  'pauseMs',
  'reverse',
] as const;
