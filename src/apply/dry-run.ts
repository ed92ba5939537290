/**
 * `apply --dry-run`: the whole plan, read without changing anything — up's dry run (pending
 * migrations with their SQL, the preflight, what Coder gets; no lock, no bookkeeping table) and
 * the backfill's (rows that would change per provider and model, anomalies, a rough duration).
 * verify and the gate only read, so there is nothing of theirs to preview.
 */
import { backfillWithConfig, type BackfillDeps } from '../backfill/index.js';
import { EXIT_CODES } from '../errors.js';
import type { MigrateDeps } from '../migrate/deps.js';
import { runUpDryRun } from '../migrate/dry-run.js';
import { stageSettings, type ApplySettings } from './options.js';
import type { ApplyPlan } from './result.js';

export async function runApplyDryRun(
  settings: ApplySettings,
  deps: { migrate: MigrateDeps; backfill: Partial<BackfillDeps> },
): Promise<ApplyPlan> {
  const stages = stageSettings(settings);
  const up = await runUpDryRun(stages.up, deps.migrate);
  const base = { command: 'apply' as const, dryRun: true as const, database: settings.connection.label, up };
  if (up.failure) return { ...base, exitCode: up.failure.exitCode, backfill: null, error: up.failure };
  const backfill = await backfillWithConfig({ ...stages.backfill, dryRun: true }, deps.backfill);
  if (backfill.status === 'dry-run') return { ...base, exitCode: EXIT_CODES.ok, backfill: backfill.report, error: null };
  if (backfill.status === 'failed') return { ...base, exitCode: backfill.error.exitCode, backfill: null, error: backfill.error };
  throw new Error(`the backfill's dry run ended as ${backfill.status}`);
}
