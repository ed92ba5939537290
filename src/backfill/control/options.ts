/**
 * The settings of `pause`, `resume`, `cancel` and `throttle`: where the database is, and which
 * run (the forward one unless --reverse). `throttle` takes the overrides it sets.
 */
import { z } from 'zod';
import { connectionShape, type Settings } from '../../config/common.js';
import { flag, integer } from '../../config/fields.js';

const RUN = 'Run:';

export const controlShape = {
  ...connectionShape,
  reverse: flag().prefault(false).meta({ describe: 'act on the reverse run (backfill --reverse) instead of the forward one', group: RUN }),
} as const;

export const controlSchema = z.object(controlShape).strict();

export const throttleSchema = z
  .object({
    ...controlShape,
    maxRowsPerSecond: integer(0, 100_000_000).optional().meta({
      describe: 'scan at most this many rows per second, each process of the run (0: back to what each process was started with)',
      group: RUN,
    }),
    targetBatchMs: integer(0, 60_000).optional().meta({
      describe: 'aim adaptive batches at this many milliseconds (0: back to what each process was started with)',
      group: RUN,
    }),
  })
  .strict();

export type ControlSettings = Settings<typeof controlSchema>;
