/** What runBackfill returns: a discriminated union, so a deploy script must look at `status`. */
import type { ToolkitError } from '../errors.js';
import type { DryRunReport } from './dry-run.js';
import type { BackfillSummary } from './summary.js';

export type BackfillResult =
  | {
      status: 'completed';
      runId: number;
      resumed: boolean;
      summary: BackfillSummary;
      /** True when the last sweep found nothing left to write. */
      converged: boolean;
    }
  | {
      status: 'interrupted';
      signal: 'SIGINT' | 'SIGTERM';
      /** null when stopped while waiting for the runner lock, before any run was chosen. */
      runId: number | null;
      /** Where the run stopped. */
      position: StopPosition | null;
      summary: BackfillSummary | null;
      resumeCommand: string;
    }
  | {
      /** Stopped by `aibridge-migrate cancel` after the current batches, checkpointed; a later `backfill` resumes it. */
      status: 'cancelled';
      runId: number;
      position: { pass: number; checkpoint: string | null } | null;
      summary: BackfillSummary | null;
      resumeCommand: string;
    }
  | {
      status: 'failed';
      error: ToolkitError;
      runId: number | null;
      summary: BackfillSummary | null;
      /** Set when the run is checkpointed and the same command continues it. */
      resumeCommand: string | null;
    }
  | { status: 'dry-run'; report: DryRunReport };

/** Where an interrupted run stopped: its pass, and the key walk's last key done or the page walk's first page not done. */
export interface StopPosition {
  pass: number;
  checkpoint: string | null;
  nextPage: number | null;
}
