/**
 * The throttle's I/O: before each batch, read the run's control row (pause, cancel, throttle
 * overrides) and the replicas' lag, ask decideControl and decideThrottle, and sleep (emitting a
 * `pause` event) until they say go. One gate per process, shared by its lanes, so
 * --max-rows-per-second limits the process as a whole.
 *
 * The control row is read with one primary-key SELECT outside any transaction. A paused lane
 * holds no transaction and no row lock; it keeps its session's advisory locks (the run lock and
 * its range's claim), so the run stays this process's and the range stays the lane's.
 */
import type { Queryable } from '../../db/port.js';
import { NO_CONTROL, readControl, type RunControl } from '../../ledger/control.js';
import type { Tables } from '../../names.js';
import type { Clock, Sleep } from '../../runtime.js';
import type { BackfillEvent } from '../events.js';
import type { BackfillConfig } from '../options.js';
import {
  DEFAULT_THROTTLE,
  decideControl,
  decideThrottle,
  INITIAL_THROTTLE,
  withControl,
  type ThrottleSettings,
  type ThrottleState,
} from '../policy/throttle.js';
import { runBatch, type BatchInput, type BatchOutcome } from './batch.js';
import { replicationLagMs, sessionsBlockedByMe } from './health.js';

export interface GateDeps {
  clock: Clock;
  sleep: Sleep;
  signal: AbortSignal;
  sink: (event: BackfillEvent) => void;
  /** Where the run's control row is. */
  tables: Pick<Tables, 'runs'>;
  /** The run was cancelled (`aibridge-migrate cancel`): stop every lane after its current batch. */
  cancel: () => void;
}

/** When a lane last announced that it holds for a pause (null: it is not holding). */
export interface LanePause {
  eventAt: number | null;
}

/** While paused, each lane repeats its `pause` event this often (the first comes at once). */
const PAUSED_EVENT_EVERY_MS = 60_000;

export interface BatchReport {
  rows: number;
  startedAt: number;
  /** Sessions waiting on this batch's locks just before it committed. */
  blockedSessions: number;
}

export function throttleSettings(config: BackfillConfig): ThrottleSettings {
  return {
    ...DEFAULT_THROTTLE,
    maxReplicationLagMs: config.maxReplicationLag,
    maxRowsPerSecond: config.maxRowsPerSecond ?? null,
    pauseMs: config.pauseMs,
  };
}

export class ThrottleGate {
  private state: ThrottleState = INITIAL_THROTTLE;
  /** The run's control as this process last read it (any lane). */
  private control: RunControl = NO_CONTROL;

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly deps: GateDeps,
  ) {}

  /** `throttle --target-batch-ms`: the batch-size controller's aim now; null = the process's own. */
  get targetBatchMs(): number | null {
    return this.control.targetBatchMs;
  }

  /** Keeps the control a lane just read; a change is announced once per process (`control` event). */
  private observe(runId: number, control: RunControl): RunControl {
    const before = this.control;
    if (
      control.state !== before.state ||
      control.maxRowsPerSecond !== before.maxRowsPerSecond ||
      control.targetBatchMs !== before.targetBatchMs
    ) {
      this.control = control;
      this.deps.sink({ event: 'control', runId, ...control });
    }
    return control;
  }

  /** The beforeCommit hook for a batch: samples who waits on its locks. */
  blockedSampler(into: { blocked: number }): (db: Queryable) => Promise<void> {
    return async (db) => {
      into.blocked = await sessionsBlockedByMe(db);
    };
  }

  /**
   * Waits until the next batch may start. `last` is the batch just finished on this lane
   * (null before its first); `lane` is the lane's own pause bookkeeping. Returns early, without
   * error, when the run is being stopped (a signal, or a cancel it saw).
   */
  async beforeBatch(db: Queryable, runId: number, last: BatchReport | null, lane: LanePause = { eventAt: null }): Promise<void> {
    let afterBatch = last !== null;
    for (;;) {
      if (this.deps.signal.aborted) return;
      const control = this.observe(runId, await readControl(db, this.deps.tables, runId));
      const order = decideControl(control);
      if (order.action === 'cancel') {
        this.deps.cancel();
        return;
      }
      if (order.action === 'pause') {
        const now = this.deps.clock.now();
        if (lane.eventAt === null || now - lane.eventAt >= PAUSED_EVENT_EVERY_MS) {
          lane.eventAt = now;
          this.deps.sink({ event: 'pause', runId, reason: order.reason, cause: order.cause, durationMs: order.ms });
        }
        await this.deps.sleep(order.ms, this.deps.signal);
        continue;
      }
      lane.eventAt = null;
      const lag = await replicationLagMs(db);
      const { decision, state } = decideThrottle(this.state, withControl(this.settings, control), {
        now: this.deps.clock.now(),
        health: { replicationLagMs: lag, blockedSessions: afterBatch && last ? last.blockedSessions : 0 },
        lastBatch: last ? { rows: last.rows, startedAt: last.startedAt } : null,
        afterBatch,
      });
      this.state = state;
      if (decision.action === 'go') return;
      this.deps.sink({ event: 'pause', runId, reason: decision.reason, cause: decision.cause, durationMs: decision.ms });
      await this.deps.sleep(decision.ms, this.deps.signal);
      afterBatch = false;
    }
  }
}

/** One lane's batches through the gate. */
export class GatedBatches {
  /** The last committed batch, not yet reported to the throttle. */
  private last: BatchReport | null = null;
  private readonly pause: LanePause = { eventAt: null };

  constructor(
    private readonly gate: ThrottleGate,
    private readonly clock: Clock,
  ) {}

  /** Waits for the gate, then runs one batch; null when `stop` aborted meanwhile. */
  async next(db: Queryable, batch: Omit<BatchInput, 'beforeCommit' | 'clock'>, stop: AbortSignal): Promise<BatchOutcome | null> {
    // Each batch is reported to the throttle once, even if the next one is retried.
    const last = this.last;
    this.last = null;
    await this.gate.beforeBatch(db, batch.range.runId, last, this.pause);
    // A pause may have been cut short by a signal: stop before starting a batch.
    if (stop.aborted) return null;
    const sample = { blocked: 0 };
    const startedAt = this.clock.now();
    const outcome = await runBatch(db, { ...batch, clock: this.clock, beforeCommit: this.gate.blockedSampler(sample) });
    this.last = { rows: outcome.scanned, startedAt, blockedSessions: sample.blocked };
    return outcome;
  }
}
