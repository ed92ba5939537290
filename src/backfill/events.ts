/**
 * Progress events. With `--json` each is printed as one JSON line on stdout, with the field
 * names below in snake_case plus `"event"` and `"time"` (ISO 8601). The schema is stable:
 * fields are only ever added.
 *
 *   start    {run_id, direction ("forward" | "reverse"), workers (null = single runner), resumed,
 *             rule_fingerprint, estimated_rows, batch_size, target_batch_ms, fixed_batch_size,
 *             keyed_pass (false: a fresh run after a completed one starts with the count; a
 *             converge event with pass 0 and next_pass 0 then opens the keyed pass)}
 *   batch    {run_id, pass, range_no, batch_size, rows_scanned, rows_updated, rows_application_written,
 *             duration_ms, checkpoint, pass_rows_scanned, total_rows_scanned, total_rows_updated,
 *             estimated_rows, rows_per_second, eta_ms}
 *            The same meaning for the single runner and for workers: rows_* describe this batch;
 *            pass_rows_scanned is what the whole run (every lane of every process) has scanned in
 *            this pass — other processes' batches reach it from the ledger, a few seconds late at
 *            most; total_rows_scanned (keyed pass) and total_rows_updated (all passes) are the
 *            run's totals in the ledger; estimated_rows is the table's size estimated from the
 *            share of the key space the pass has covered; rows_per_second is the pass's run-wide
 *            rate as this process sees it, and eta_ms the time left at that rate.
 *   retry    {run_id, attempt, max_attempts, action ("split" | "retry" | "reconnect"), sqlstate,
 *             message, delay_ms, batch_size}
 *   pause    {run_id, reason, cause, duration_ms}   (before a batch, from the throttle; cause is
 *            "replication_lag" | "blocked_sessions" | "rate_limit" | "pause_ms"; reason is for humans)
 *   worker   {run_id, worker, range_no, pass, action ("claimed" | "done")}   (--workers only)
 *   converge {run_id, pass, rows_scanned, rows_updated, eligible_remaining, converged, next_pass}
 *            (after each pass: rows still eligible, counted over one snapshot; a sweep follows
 *            while some remain, up to --converge-passes)
 *   finish   {run_id, status ("completed" | "interrupted" | "failed"), summary, resume_command}
 *
 * `pass` 0 is the keyed pass, 1… are convergence sweeps. eta_ms and rows_per_second are null
 * until a rate is known.
 */
import type { Direction, RangeRow } from '../ledger/rows.js';
import { jsonLine } from '../text/json-line.js';
import type { ProgressSnapshot } from './policy/pass-progress.js';
import type { PauseCause } from './policy/throttle.js';
import type { BatchOutcome } from './run/batch.js';
import type { BackfillSummary } from './summary.js';

export type BackfillEvent =
  | {
      event: 'start';
      runId: number;
      direction: Direction;
      /** Workers in this process; null for the single runner. */
      workers: number | null;
      resumed: boolean;
      ruleFingerprint: string;
      estimatedRows: number;
      batchSize: number;
      targetBatchMs: number;
      fixedBatchSize: boolean;
      keyedPass: boolean;
    }
  | {
      event: 'batch';
      runId: number;
      pass: number;
      rangeNo: number;
      batchSize: number;
      rowsScanned: number;
      rowsUpdated: number;
      rowsApplicationWritten: number;
      durationMs: number;
      checkpoint: string | null;
      passRowsScanned: number;
      totalRowsScanned: number;
      totalRowsUpdated: number;
      estimatedRows: number;
      rowsPerSecond: number | null;
      etaMs: number | null;
    }
  | {
      event: 'retry';
      runId: number;
      attempt: number;
      maxAttempts: number;
      action: 'split' | 'retry' | 'reconnect';
      sqlstate: string | null;
      message: string;
      delayMs: number;
      batchSize: number;
    }
  | { event: 'pause'; runId: number; reason: string; cause: PauseCause; durationMs: number }
  | { event: 'worker'; runId: number; worker: number; rangeNo: number; pass: number; action: 'claimed' | 'done' }
  | {
      event: 'converge';
      runId: number;
      /** The pass that just ended. */
      pass: number;
      rowsScanned: number;
      rowsUpdated: number;
      /** Rows still eligible in the whole table, counted over one snapshot. */
      eligibleRemaining: number;
      converged: boolean;
      nextPass: number | null;
    }
  | {
      event: 'finish';
      runId: number;
      status: 'completed' | 'interrupted' | 'failed';
      summary: BackfillSummary;
      resumeCommand: string | null;
    };

/** The `batch` event of a committed batch, with the pass's progress as this process knows it. */
export function batchEvent(batch: {
  runId: number;
  range: RangeRow;
  batchSize: number;
  outcome: BatchOutcome;
  progress: ProgressSnapshot;
}): BackfillEvent {
  const { outcome, range, progress } = batch;
  return {
    event: 'batch',
    runId: batch.runId,
    pass: range.pass,
    rangeNo: range.rangeNo,
    batchSize: batch.batchSize,
    rowsScanned: outcome.scanned,
    rowsUpdated: outcome.updated,
    rowsApplicationWritten: outcome.applicationWritten,
    durationMs: Math.round(outcome.ms),
    checkpoint: outcome.checkpoint,
    passRowsScanned: progress.passScanned,
    totalRowsScanned: outcome.run.rowsScanned,
    totalRowsUpdated: outcome.run.rowsUpdated,
    estimatedRows: progress.estimatedRows,
    rowsPerSecond: progress.rowsPerSecond,
    etaMs: progress.etaMs,
  };
}

/** One JSON line for `--json`. Keys of anomaly maps (already snake_case) are kept as they are. */
export function eventJson(event: BackfillEvent, time: Date): string {
  return jsonLine(event, time);
}
