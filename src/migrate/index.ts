/**
 * The public API of the migrate commands. Each function validates a raw options object (the
 * same names as the CLI flags, camelCase; a bad one rejects with a UsageError before anything
 * connects, see resolveSettings in src/config/resolve.ts), then runs the command; failures
 * are thrown as ToolkitError subclasses carrying `code` and `exitCode`.
 */
import { resolveSettings, settingsOrThrow } from '../config/resolve.js';
import { systemRuntime } from '../runtime.js';
import { migrateDeps, type MigrateDeps } from './deps.js';
import { runDown, type DownResult } from './down.js';
import { runUpDryRun, type DryRunResult } from './dry-run.js';
import {
  downOptionsSchema,
  statusOptionsSchema,
  upOptionsSchema,
  type DownOptionsInput,
  type StatusOptionsInput,
  type UpOptionsInput,
} from './options.js';
import { runStatus, type StatusResult } from './status.js';
import { runUp, type UpResult } from './up.js';

export type { MigrateDeps } from './deps.js';
export type { DownResult } from './down.js';
export type { DryRunResult } from './dry-run.js';
export type { StatusResult } from './status.js';
export type { UpResult } from './up.js';
export type { DownOptionsInput, StatusOptionsInput, UpOptionsInput } from './options.js';
export { runDown } from './down.js';
export { runUpDryRun } from './dry-run.js';
export { runStatus } from './status.js';
export { runUp } from './up.js';

/**
 * Applies every pending migration (or, with `dryRun: true`, shows what it would do); throws
 * LockTimeoutError, PreflightError, … when it cannot.
 *
 * @example
 *   import { migrateUp } from 'aibridge-migrate';
 *   const result = await migrateUp({ databaseUrl: process.env.DATABASE_URL, lockTimeout: '2s' });
 *   if (!result.dryRun) console.log(result.applied.map((m) => m.name));
 */
export async function migrateUp(rawOptions: UpOptionsInput, deps: Partial<MigrateDeps> = {}): Promise<UpResult | DryRunResult> {
  const settings = settingsOrThrow(await resolveSettings(upOptionsSchema, { from: 'api', given: rawOptions }));
  const all = migrateDeps(systemRuntime(), deps);
  return settings.dryRun ? runUpDryRun(settings, all) : runUp(settings, all);
}

/** Reverts the last applied migration; refuses (DownRefusedError) rather than destroy data. */
export async function migrateDown(rawOptions: DownOptionsInput, deps: Partial<MigrateDeps> = {}): Promise<DownResult> {
  return runDown(
    settingsOrThrow(await resolveSettings(downOptionsSchema, { from: 'api', given: rawOptions })),
    migrateDeps(systemRuntime(), deps),
  );
}

/** Applied and pending migrations, and the latest backfill runs. */
export async function migrationStatus(rawOptions: StatusOptionsInput, deps: Partial<MigrateDeps> = {}): Promise<StatusResult> {
  return runStatus(
    settingsOrThrow(await resolveSettings(statusOptionsSchema, { from: 'api', given: rawOptions })),
    migrateDeps(systemRuntime(), deps),
  );
}
