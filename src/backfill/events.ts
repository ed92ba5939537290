/**
 * Progress events. With `--json` each is printed as one JSON line on stdout, with the field
 * names below in snake_case plus `"event"` and `"time"` (ISO 8601). The schema is stable:
 * fields are only ever added.
 *
 *   start    {run_id, direction ("forward" | "reverse"), walk ("page" | "key"), workers (null =
 *             single runner), resumed, rule_fingerprint, estimated_rows, batch_size, target_batch_ms,
 *             fixed_batch_size, keyed_pass (whether the run begins with its first pass; false: a
 *             fresh run after a completed one starts with the count, and a converge event with
 *             pass 0 and next_pass 0 then opens the first pass)}
 *   batch    {run_id, pass, range_no, step, batch_size, rows_scanned, rows_updated,
 *             rows_application_written, duration_ms, checkpoint, next_page, pass_rows_scanned,
 *             total_rows_scanned, total_rows_updated, estimated_rows, rows_per_second, eta_ms, anomalies}
 *            One per committed transaction. step: "batch" (key walk: reads and writes its rows),
 *            "judge" (page walk: reads a stretch of pages) or "round" (page walk: writes at most
 *            one row per page); checkpoint is the key walk's last key, next_page the page walk's
 *            first page not yet done. The same meaning for the single runner and for workers:
 *            rows_* describe this step; pass_rows_scanned is what the whole run (every lane of
 *            every process) has scanned in this pass — other processes' steps reach it from the
 *            ledger, a few seconds late at most; total_rows_scanned (first pass) and
 *            total_rows_updated (all passes) are the run's totals in the ledger; estimated_rows is
 *            the table's size estimated from the share of the pages (or keys) the pass has
 *            covered; rows_per_second is the pass's run-wide rate as this process sees it, and
 *            eta_ms the time left at that rate; anomalies counts this step's rows with an anomalous
 *            value, by class ({} when none).
 *   retry    {run_id, attempt, max_attempts, action ("split" | "retry" | "reconnect"), sqlstate,
 *             message, delay_ms, batch_size}
 *   pause    {run_id, reason, cause, duration_ms}   (before a step, from the throttle; cause is
 *            "replication_lag" | "blocked_sessions" | "rate_limit" | "pause_ms" | "paused"; reason is
 *            for humans. "paused": the run was paused with `aibridge-migrate pause`; this event
 *            comes from each lane when it starts holding and once a minute while it holds, duration_ms
 *            being how soon it looks again)
 *            replication_lag pauses add standby {application_name, replay_lag_ms, lag_bytes}: the
 *            standby waited for (the furthest over its limits) as measured, each figure null when
 *            PostgreSQL has none (docs/replicas.md)
 *   warning  {run_id, code, message, standby, slot_name, retained_bytes}   (code is
 *            "standby_disconnected" | "inactive_replication_slot" | "replication_lag_not_visible" |
 *            "ledger_without_wait_columns"; the other fields are null where they do not apply)
 *   control  {run_id, state ("running" | "paused" | "cancel_requested"), max_rows_per_second,
 *             target_batch_ms}   (this process saw the run's control change: `pause`, `resume`,
 *            `cancel`, `throttle` from any host; the overrides are null when not set)
 *   worker   {run_id, worker, range_no, pass, action ("claimed" | "done")}   (--workers only)
 *   converge {run_id, pass, rows_scanned, rows_updated, eligible_remaining, converged, next_pass}
 *            (after each pass: rows still eligible; a sweep follows while some remain, up to
 *            --converge-passes)
 *   finish   {run_id, status ("completed" | "interrupted" | "cancelled" | "failed"), summary, resume_command}
 *
 * `pass` 0 is the first pass, 1… are convergence sweeps. eta_ms and rows_per_second are null
 * until a rate is known.
 */
import type { RunControl } from '../ledger/control.js';
import type { Direction, RangeRow, Walk } from '../ledger/rows.js';
import { jsonLine } from '../text/json-line.js';
import type { RetryEvent } from './policy/failure.js';
import type { ProgressSnapshot } from './policy/pass-progress.js';
import type { WarningCode } from './policy/replica-watch.js';
import type { PauseCause, StandbyLag } from './policy/throttle.js';
import type { StepKind, StepOutcome } from './step.js';
import type { BackfillSummary } from './summary.js';

export type BackfillEvent =
  | {
      event: 'start';
      runId: number;
      direction: Direction;
      walk: Walk;
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
      step: StepKind;
      batchSize: number;
      rowsScanned: number;
      rowsUpdated: number;
      rowsApplicationWritten: number;
      durationMs: number;
      checkpoint: string | null;
      nextPage: number | null;
      passRowsScanned: number;
      totalRowsScanned: number;
      totalRowsUpdated: number;
      estimatedRows: number;
      rowsPerSecond: number | null;
      etaMs: number | null;
      anomalies: Record<string, number>;
    }
  | RetryEvent
  | {
      event: 'pause';
      runId: number;
      reason: string;
      cause: PauseCause;
      durationMs: number;
      standby?: Pick<StandbyLag, 'applicationName' | 'replayLagMs' | 'lagBytes'>;
    }
  | {
      event: 'warning';
      runId: number;
      code: WarningCode | 'ledger_without_wait_columns';
      message: string;
      standby: string | null;
      slotName: string | null;
      retainedBytes: number | null;
    }
  | ({ event: 'control'; runId: number } & RunControl)
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
      status: 'completed' | 'interrupted' | 'cancelled' | 'failed';
      summary: BackfillSummary;
      resumeCommand: string | null;
    };

/** The `batch` event of a committed batch, with the pass's progress as this process knows it. */
export function batchEvent(batch: {
  runId: number;
  range: RangeRow;
  outcome: StepOutcome;
  /** The run's totals as last recorded (a step that recorded nothing has none of its own). */
  totals: { rowsScanned: number; rowsUpdated: number };
  progress: ProgressSnapshot;
}): BackfillEvent {
  const { outcome, range, progress } = batch;
  const { position } = outcome;
  return {
    event: 'batch',
    runId: batch.runId,
    pass: range.pass,
    rangeNo: range.rangeNo,
    step: outcome.kind,
    batchSize: outcome.size,
    rowsScanned: outcome.scanned,
    rowsUpdated: outcome.updated,
    rowsApplicationWritten: outcome.applicationWritten,
    durationMs: Math.round(outcome.ms),
    checkpoint: position.walk === 'key' ? position.checkpoint : null,
    nextPage: position.walk === 'page' ? position.next : null,
    passRowsScanned: progress.passScanned,
    totalRowsScanned: batch.totals.rowsScanned,
    totalRowsUpdated: batch.totals.rowsUpdated,
    estimatedRows: progress.estimatedRows,
    rowsPerSecond: progress.rowsPerSecond,
    etaMs: progress.etaMs,
    anomalies: outcome.anomalies,
  };
}

/** One JSON line for `--json`. Keys of anomaly maps (already snake_case) are kept as they are. */
export function eventJson(event: BackfillEvent, time: Date): string {
  return jsonLine(event, time);
}
