/**
 * The settings of `up`, `down` and `status`, as zod schemas: raw input (flags, environment,
 * config file, or an API caller's object) in, parsed settings out.
 */
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { connectionShape, DEFAULT_MIGRATIONS_TABLE } from '../config/common.js';
import { duration, flag, identifier, integer } from '../config/fields.js';
import { kebab } from '../config/resolve.js';
import { CODER_COLUMNS_MIGRATION } from '../coder/constants.js';
import { DEFAULT_RETRY_POLICY } from './backoff.js';

/** A name node-pg-migrate will paste between quotes (see bookkeeping.ts). */
function bookkeepingIdentifier() {
  return identifier().refine((name) => !/["']/.test(name), 'must not contain a quote character (" or \'): node-pg-migrate pastes this name into SQL unescaped');
}

const sharedShape = {
  ...connectionShape,
  migrationsSchema: bookkeepingIdentifier().default('public'),
  migrationsTable: bookkeepingIdentifier().default(DEFAULT_MIGRATIONS_TABLE),
  /** lock_timeout of the session that changes the schema, in ms. */
  lockTimeout: duration(10, 600_000).default(2000),
  /** Coder's migration that adds the cache token columns; a fork that renumbered it says so here. */
  coderMigration: integer(2, 2_147_483_647).default(CODER_COLUMNS_MIGRATION),
};

const retryShape = {
  /** Retries after a lock was not granted (0 = give up at the first refusal). */
  lockRetries: integer(0, 1000).default(DEFAULT_RETRY_POLICY.retries),
  /** Ceiling of the first retry's delay; it doubles per retry up to 30 s, with jitter. */
  lockRetryDelay: duration(10, 600_000).default(DEFAULT_RETRY_POLICY.baseDelayMs),
};

export const upOptionsSchema = z.object({ ...sharedShape, ...retryShape, dryRun: flag().default(false) }).strict();
export const downOptionsSchema = z.object({ ...sharedShape, ...retryShape, forceDropData: flag().default(false) }).strict();
export const statusOptionsSchema = z.object({ ...sharedShape }).strict();

export type UpOptionsInput = z.input<typeof upOptionsSchema>;
export type DownOptionsInput = z.input<typeof downOptionsSchema>;
export type StatusOptionsInput = z.input<typeof statusOptionsSchema>;

type WithUrl<T> = Omit<T, 'databaseUrl'> & { databaseUrl: string };
export type UpSettings = WithUrl<z.output<typeof upOptionsSchema>>;
export type DownSettings = WithUrl<z.output<typeof downOptionsSchema>>;
export type StatusSettings = WithUrl<z.output<typeof statusOptionsSchema>>;

/** Validates an API caller's options object; every problem is reported at once. */
export function parseRawOptions<S extends z.ZodObject>(schema: S, raw: unknown): z.output<S> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(['options must be an object, e.g. { databaseUrl: "postgres://…" }']);
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown option(s): ${issue.keys.join(', ')}`;
    return `Setting '${kebab(String(issue.path[0] ?? ''))}': ${issue.message}`;
  });
  throw new UsageError(problems, { hint: 'Fix the settings above; nothing was run.' });
}
