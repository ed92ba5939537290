/**
 * The public API of `apply`: one call for a deploy pipeline's whole stage. Bad options reject
 * with a UsageError before anything connects, as with every entry point; after that it never
 * throws for an expected outcome.
 */
import { resolveSettings, settingsOrThrow } from '../config/resolve.js';
import { migrateDeps } from '../migrate/deps.js';
import { systemRuntime, type Runtime } from '../runtime.js';
import { verifyDeps } from '../verify/index.js';
import { runApplyDryRun } from './dry-run.js';
import { applySchema, type ApplySettings } from './options.js';
import type { ApplyPlan, ApplyResult } from './result.js';
import { runApply, type ApplyDeps } from './run.js';

export type { ApplyPlan, ApplyResult, StageRecord, StageStatus, Stage } from './result.js';
export type { ApplyDeps } from './run.js';
export { runApply, onlyPending, RESUME_COMMAND } from './run.js';
export { runApplyDryRun } from './dry-run.js';
export { applySchema, stageSettings, reportFormat, APPLY_REPORT_FORMATS, type ApplySettings, type ApplyReportFormat } from './options.js';
export { applyJson, applyText, applyPlanJson, applyPlanText, applyStatus } from './render.js';
export { renderApplyReport } from './report.js';

/** The production I/O for `settings`: every stage on `runtime`, with `given` in place of any part. */
export function applyDeps(settings: ApplySettings, runtime: Runtime, given: Partial<ApplyDeps> = {}): ApplyDeps {
  return {
    ...runtime,
    migrate: migrateDeps(runtime),
    verify: verifyDeps(settings.connection, runtime),
    signal: new AbortController().signal,
    ...given,
    backfill: { ...runtime, ...given.backfill },
  };
}

/**
 * Validates raw options and runs the stage (or, with `dryRun: true`, shows its plan). The
 * options are every option of `up`, `backfill`, `verify` and `status` under their own names
 * (src/apply/options.ts). The result carries the exit code of the documented table, each
 * stage's record, and the error that stopped it (null when none did).
 *
 * @example
 *   import { apply } from 'aibridge-migrate';
 *   const result = await apply({ databaseUrl: process.env.DATABASE_URL, lockTimeout: '2s' });
 *   if (result.exitCode !== 0) throw new Error(result.error?.message ?? `apply exited ${result.exitCode}`);
 */
export async function apply(rawOptions: Record<string, unknown>, given: Partial<ApplyDeps> = {}): Promise<ApplyResult | ApplyPlan> {
  const settings = settingsOrThrow(await resolveSettings(applySchema, { from: 'api', given: rawOptions })) as ApplySettings;
  const deps = applyDeps(settings, systemRuntime(given), given);
  return settings.dryRun ? runApplyDryRun(settings, deps) : runApply(settings, deps);
}
