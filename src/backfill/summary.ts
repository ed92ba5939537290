/** The final account of a run, built from the ledger (so it covers every session of a resumed run). */
import type { Direction, RunRow } from '../ledger/rows.js';

export interface BackfillSummary {
  runId: number;
  /** forward (columns from metadata) or reverse (metadata from columns). */
  direction?: Direction;
  /** Rows the first pass looked at. */
  rowsScanned: number;
  /** Rows this run wrote, all passes. */
  rowsUpdated: number;
  /** Rows skipped because a cache column was already non-zero (written by the application). */
  rowsApplicationWritten: number;
  /** Rows with at least one anomalous value, per class (the value then counts as absent). */
  anomalies: Record<string, number>;
  batches: number;
  /** Wall time from the run's start to now, across sessions. */
  durationMs: number;
  /** Time spent inside batch transactions. */
  busyMs: number;
  rowsPerSecond: number;
  longestBatchMs: number;
  convergencePasses: number;
  /** Rows still eligible after the last sweep; null if not counted (converged or not reached). */
  unconvergedRows: number | null;
  /** Reverse runs: rows that need reversing but were left alone (not an object, …); null for forward runs. */
  unreversibleRows?: number | null;
}

export function summarize(run: RunRow, now: Date): BackfillSummary {
  const end = (run.finishedAt ?? now).getTime();
  const durationMs = Math.max(0, end - run.startedAt.getTime());
  return {
    runId: run.id,
    direction: run.direction,
    rowsScanned: run.rowsScanned,
    rowsUpdated: run.rowsUpdated,
    rowsApplicationWritten: run.rowsApplicationWritten,
    anomalies: run.anomalies,
    batches: run.batches,
    durationMs,
    busyMs: run.busyMs,
    rowsPerSecond: run.busyMs > 0 ? Math.round((run.rowsScanned * 1000) / run.busyMs) : 0,
    longestBatchMs: run.longestBatchMs,
    convergencePasses: run.convergencePasses,
    unconvergedRows: run.unconvergedRows,
    unreversibleRows: run.unreversibleRows,
  };
}
