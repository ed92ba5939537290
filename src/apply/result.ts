/**
 * What `apply` did, stage by stage: the same record feeds the text on the terminal, the one
 * JSON document of --json, and the JUnit or Markdown report of --report.
 */
import type { BackfillResult } from '../backfill/result.js';
import type { ToolkitError } from '../errors.js';
import type { DryRunResult } from '../migrate/dry-run.js';
import type { Readiness, StatusResult } from '../migrate/status.js';
import type { UpResult } from '../migrate/up.js';
import type { Report } from '../report/model.js';
import type { DryRunReport } from '../backfill/result.js';

export const STAGES = ['up', 'backfill', 'verify', 'check'] as const;
export type Stage = (typeof STAGES)[number];

/**
 * done: it ran and succeeded; skipped: nothing to do (e.g. no migration pending); failed: it
 * stopped the stage (the error says why); interrupted: a signal stopped it; not_run: an earlier
 * stage stopped the run first.
 */
export type StageStatus = 'done' | 'skipped' | 'failed' | 'interrupted' | 'not_run';

interface StageBase {
  status: StageStatus;
  /** Wall time of the stage; null when it did not run. */
  durationMs: number | null;
  /** One line for people. */
  summary: string;
}

export type StageRecord =
  | (StageBase & { stage: 'up'; pending: string[]; result: UpResult | null })
  | (StageBase & { stage: 'backfill'; result: Exclude<BackfillResult, { status: 'dry-run' }> | null })
  | (StageBase & { stage: 'verify'; report: Report | null })
  | (StageBase & { stage: 'check'; readiness: Readiness | null });

export type StageOf<S extends Stage> = Extract<StageRecord, { stage: S }>;

export interface ApplyResult {
  command: 'apply';
  dryRun: false;
  database: string;
  /** The exit code by the documented table: 0 when every stage passed. */
  exitCode: number;
  /** What stopped the stage early or failed it; null when it converged. */
  error: ToolkitError | null;
  stages: StageRecord[];
  /** Coder's migration runner as apply found it first (status's report). */
  coderBefore: StatusResult['coder'] | null;
  elapsedMs: number;
}

/** `apply --dry-run`: what each stage would do, read without changing anything. */
export interface ApplyPlan {
  command: 'apply';
  dryRun: true;
  database: string;
  exitCode: number;
  /** up's dry run: pending migrations, their SQL, what Coder gets; its failure if up would fail. */
  up: DryRunResult;
  /** What the backfill would change (it reads the table; before `up` the columns count as 0). */
  backfill: DryRunReport | null;
  /** Why the backfill preview is missing (up would fail first), or null. */
  error: ToolkitError | null;
}
