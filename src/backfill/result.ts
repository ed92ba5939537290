/** What runBackfill returns: a discriminated union, so a deploy script must look at `status`. */
import type { ToolkitError } from '../errors.js';
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

/** What `backfill --dry-run` finds (made by src/backfill/dry-run.ts). */
export interface DryRunGroup {
  /** null when aibridge_interceptions is absent (one group for the whole table). */
  provider: string | null;
  model: string | null;
  rows: number;
  wouldUpdate: number;
  applicationWritten: number;
  /** Sums of the values the run would write into the two columns. */
  cacheReadToWrite: string;
  cacheWriteToWrite: string;
}

export interface DryRunAnomalyClass {
  /** Rows with at least one value of this class (among rows whose columns are still 0). */
  rows: number;
  /** Up to SAMPLE_IDS ids, the first the read met in the table's order, lowest first, to look at with a SELECT. */
  sampleIds: string[];
}

export interface DryRunReport {
  table: string;
  /** False before `up`: the columns count as 0 for every row. */
  columnsPresent: boolean;
  rows: number;
  wouldUpdate: number;
  applicationWritten: number;
  nullMetadata: number;
  anomalies: Record<string, DryRunAnomalyClass>;
  /** Per provider and model, most rows to update first; one row when interceptions are absent. */
  groups: DryRunGroup[];
  byProvider: boolean;
  /** How long reading and judging the whole table took here, and the rate it shows. */
  readMs: number;
  readRowsPerSecond: number;
  /** Rough duration of the real run, from the read rate (writes cost about WRITE_COST x a read). */
  estimatedRunMs: number | null;
  /** Statements the table was read in, and the sessions that shared the snapshot. */
  chunks: number;
  sessions: number;
}
