/**
 * The throttle's I/O: before each batch, read the replicas' lag, ask decideThrottle, and sleep
 * (emitting a `pause` event) until it says go. One gate per process, shared by its lanes, so
 * --max-rows-per-second limits the process as a whole.
 */
import type { Queryable } from '../../db/port.js';
import type { Clock, Sleep } from '../../runtime.js';
import type { BackfillEvent } from '../events.js';
import type { BackfillConfig } from '../options.js';
import { DEFAULT_THROTTLE, decideThrottle, INITIAL_THROTTLE, type ThrottleSettings, type ThrottleState } from '../policy/throttle.js';
import { replicationLagMs, sessionsBlockedByMe } from './health.js';
import type { RangeWalker, StepOutcome } from './walker.js';

export interface GateDeps {
  clock: Clock;
  sleep: Sleep;
  signal: AbortSignal;
  sink: (event: BackfillEvent) => void;
}

export interface BatchReport {
  /** Rows the rate limit charges the step for. */
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

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly deps: GateDeps,
  ) {}

  /** The beforeCommit hook for a batch: samples who waits on its locks. */
  blockedSampler(into: { blocked: number }): (db: Queryable) => Promise<void> {
    return async (db) => {
      into.blocked = await sessionsBlockedByMe(db);
    };
  }

  /**
   * Waits until the next batch may start. `last` is the batch just finished on this lane
   * (null before its first). Returns early, without error, when the run is being stopped.
   */
  async beforeBatch(db: Queryable, runId: number, last: BatchReport | null): Promise<void> {
    let afterBatch = last !== null;
    for (;;) {
      if (this.deps.signal.aborted) return;
      const lag = await replicationLagMs(db);
      const { decision, state } = decideThrottle(this.state, this.settings, {
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

/** One lane's steps through the gate. */
export class GatedSteps {
  /** The last committed step, not yet reported to the throttle. */
  private last: BatchReport | null = null;

  constructor(
    private readonly gate: ThrottleGate,
    private readonly clock: Clock,
  ) {}

  /** Waits for the gate, then runs the walker's next step; null when `stop` aborted meanwhile. */
  async next(db: Queryable, runId: number, walker: RangeWalker, stop: AbortSignal): Promise<StepOutcome | null> {
    // Each step is reported to the throttle once, even if the next one is retried.
    const last = this.last;
    this.last = null;
    await this.gate.beforeBatch(db, runId, last);
    // A pause may have been cut short by a signal: stop before starting a step.
    if (stop.aborted) return null;
    const sample = { blocked: 0 };
    const startedAt = this.clock.now();
    const outcome = await walker.step(db, this.gate.blockedSampler(sample));
    this.last = { rows: outcome.charged, startedAt, blockedSessions: sample.blocked };
    return outcome;
  }
}
