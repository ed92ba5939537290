/**
 * The backfill's progress events: the text sink, the `--json` lines and the metrics are all fed
 * from these. In JSON each is one line on stdout, fields in snake_case plus `event` and `time`
 * (ISO 8601); the schema only ever gains fields.
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
      /**
       * Whether the run begins with its first pass. False: a fresh run after a completed one
       * starts with the count, and a `converge` event with pass 0 and nextPass 0 then opens the
       * first pass.
       */
      keyedPass: boolean;
      /** The wal_compression every step sets (--wal-compression), or null and why none is. */
      walCompression: { set: string | null; why: string | null };
    }
  | {
      /** One per committed transaction, with the same meaning for the single runner and for workers. */
      event: 'batch';
      runId: number;
      /** 0: the first pass; 1…: convergence sweeps. */
      pass: number;
      rangeNo: number;
      /** batch: the key walk reads and writes its rows; judge: the page walk reads a stretch of pages; round: it writes at most two rows per page. */
      step: StepKind;
      /** A judge whose pages the read-ahead's second session read while the rounds before it wrote (--read-ahead). */
      judgedAhead: boolean;
      batchSize: number;
      /** This step's rows (and rowsUpdated, rowsApplicationWritten). */
      rowsScanned: number;
      rowsUpdated: number;
      rowsApplicationWritten: number;
      durationMs: number;
      /** The key walk's last key (null on the page walk). */
      checkpoint: string | null;
      /** The page walk's first page not yet done (null on the key walk). */
      nextPage: number | null;
      /** Scanned in this pass by the whole run, every lane of every process (theirs read from the ledger, a few seconds late at most). */
      passRowsScanned: number;
      /** The run's totals in the ledger: scanned in the first pass, updated in every pass. */
      totalRowsScanned: number;
      totalRowsUpdated: number;
      /** The table's size, estimated from the share of its pages (or keys) the pass has covered. */
      estimatedRows: number;
      /** The pass's run-wide rate as this process sees it, and the time left at it; null until a rate is known. */
      rowsPerSecond: number | null;
      etaMs: number | null;
      /** This step's rows with an anomalous value, by class ({} when none). */
      anomalies: Record<string, number>;
    }
  | RetryEvent
  | {
      /**
       * Before a step, from the throttle. Cause `paused` (`aibridge-migrate pause`): from each
       * lane when it starts holding and once a minute while it holds, durationMs being how soon
       * it looks again.
       */
      event: 'pause';
      runId: number;
      /** For people. */
      reason: string;
      cause: PauseCause;
      durationMs: number;
      /** replication_lag: the standby waited for (the furthest over its limits) as measured, each figure null when PostgreSQL has none (docs/replicas.md). */
      standby?: Pick<StandbyLag, 'applicationName' | 'replayLagMs' | 'lagBytes'>;
    }
  | {
      event: 'warning';
      runId: number;
      code: WarningCode | 'ledger_without_wait_columns';
      message: string;
      /** This and the next two: null where they do not apply. */
      standby: string | null;
      slotName: string | null;
      retainedBytes: number | null;
    }
  /** This process saw the run's control change (`pause`, `resume`, `cancel`, `throttle` from any host); overrides are null when not set. */
  | ({ event: 'control'; runId: number } & RunControl)
  /** --workers only. */
  | { event: 'worker'; runId: number; worker: number; rangeNo: number; pass: number; action: 'claimed' | 'done' }
  | {
      /** After each pass; a sweep follows while eligible rows remain, up to --converge-passes. */
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
    judgedAhead: outcome.judgedAhead,
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
