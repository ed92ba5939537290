/**
 * The settings of `up`, `down` and `status`, as zod schemas: raw input (flags, environment,
 * config file, or an API caller's object) in, parsed settings out. The CLI's flags and --help
 * are derived from these (src/config/fields.ts).
 */
import { z } from 'zod';
import { connectionShape, DEFAULT_MIGRATIONS_TABLE, poolerShape, type Settings } from '../config/common.js';
import { duration, flag, integer, sqlName } from '../config/fields.js';
import { CODER_COLUMNS_MIGRATION } from '../coder/constants.js';
import { DEFAULT_LOCK_RETRY_POLICY } from './lock-retry-policy.js';

const LOCKING = 'Locking:';

/** A name node-pg-migrate will paste between quotes (see bookkeeping.ts). */
function bookkeepingIdentifier() {
  return sqlName().refine(
    (name) => !/["']/.test(name),
    'must not contain a quote character (" or \'): node-pg-migrate pastes this name into SQL unescaped',
  );
}

const sharedShape = {
  ...connectionShape,
  migrationsSchema: bookkeepingIdentifier()
    .prefault('public')
    .meta({ ...connectionShape.migrationsSchema.meta() }),
  migrationsTable: bookkeepingIdentifier()
    .prefault(DEFAULT_MIGRATIONS_TABLE)
    .meta({ ...connectionShape.migrationsTable.meta() }),
  /** lock_timeout of the session that changes the schema (lockTimeoutMs once resolved). */
  lockTimeout: duration(10, 600_000).prefault('2s').meta({
    describe: 'lock_timeout of the session that changes the schema; application queries queue behind a waiting ALTER at most this long',
    group: LOCKING,
  }),
  /** Coder's migration that adds the cache token columns; a fork that renumbered it says so here. */
  coderMigration: integer(2, 2_147_483_647).prefault(CODER_COLUMNS_MIGRATION).meta({
    describe:
      "number of Coder's migration that adds the cache token columns, for a Coder fork that renumbered it (the one before it counts as the release just before the change)",
    group: 'Coder:',
  }),
};

/** What `up` and `down` share beyond the connection: they change the schema under locks. */
const retryShape = {
  ...poolerShape,
  /** Retries after a lock was not granted (0 = give up at the first refusal). */
  lockRetries: integer(0, 1000)
    .prefault(DEFAULT_LOCK_RETRY_POLICY.retries)
    .meta({ describe: 'retries when a lock is not granted (jittered exponential backoff); 0 = fail at once', group: LOCKING }),
  /** Ceiling of the first retry's delay; it doubles per retry up to 30 s, with jitter. */
  lockRetryDelay: duration(10, 600_000)
    .prefault(`${DEFAULT_LOCK_RETRY_POLICY.baseDelayMs / 1000}s`)
    .meta({ describe: 'first retry delay ceiling; doubles per retry up to 30s, random in [half, full]', group: LOCKING }),
};

export const upOptionsSchema = z
  .object({
    ...sharedShape,
    ...retryShape,
    dryRun: flag()
      .prefault(false)
      .meta({ describe: 'print the preflight results and the SQL that would run; changes nothing, takes no lock' }),
  })
  .strict();
export const downOptionsSchema = z
  .object({
    ...sharedShape,
    ...retryShape,
    forceDropData: flag().prefault(false).meta({
      describe:
        "DESTRUCTIVE: drop the columns even if rows hold values their metadata does not carry (run `backfill --reverse` first instead); never overrides Coder's ownership of the columns",
      flagOnly: true,
    }),
  })
  .strict();
export const statusOptionsSchema = z
  .object({
    ...sharedShape,
    check: flag().prefault(false).meta({
      describe: 'for pipelines: exit 9 unless every migration is applied and the backfill completed with no eligible row left',
      flagOnly: true,
    }),
    watch: flag().prefault(false).meta({
      describe:
        "redraw the backfill's progress every --interval (percent, rows left, run-wide rate, ETA, processes and lanes, paused or throttled) until Ctrl-C; JSON lines with --json",
      flagOnly: true,
    }),
    interval: duration(200, 3_600_000).prefault('2s').meta({ describe: 'how often --watch looks again' }),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.watch && value.check) ctx.addIssue({ code: 'custom', path: ['watch'], message: 'cannot be combined with --check' });
  });

export type UpOptionsInput = z.input<typeof upOptionsSchema>;
export type DownOptionsInput = z.input<typeof downOptionsSchema>;
export type StatusOptionsInput = z.input<typeof statusOptionsSchema>;

export type UpSettings = Settings<typeof upOptionsSchema>;
export type DownSettings = Settings<typeof downOptionsSchema>;
export type StatusSettings = Settings<typeof statusOptionsSchema>;
