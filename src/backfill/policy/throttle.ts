/**
 * Whether the next batch may start now, or how long to wait and why: a pure function of what
 * PostgreSQL said about its health, what this process did recently, and the settings. Tested
 * with tables of cases; the I/O that gathers the inputs is in health.ts and gate.ts.
 */
import type { RunControl } from '../../ledger/control.js';
import { formatSeconds } from '../../text/format.js';

export interface ThrottleSettings {
  /** Pause while replay lag is above this (ms). */
  maxReplicationLagMs: number;
  /** Rows per second this process may scan; null = no limit. */
  maxRowsPerSecond: number | null;
  /** Fixed pause after every batch (ms). */
  pauseMs: number;
  /** How long to wait before looking at the lag again while paused for it. */
  lagPollMs: number;
  /** First back-off after a batch made sessions wait; doubles while it keeps happening. */
  blockedBackoffMs: number;
  blockedBackoffMaxMs: number;
}

export const DEFAULT_THROTTLE: Omit<ThrottleSettings, 'maxReplicationLagMs' | 'maxRowsPerSecond' | 'pauseMs'> = {
  lagPollMs: 1_000,
  blockedBackoffMs: 500,
  blockedBackoffMaxMs: 10_000,
};

export interface HealthSample {
  /** Largest replay lag over the replicas (ms); null when there are none or it is not visible. */
  replicationLagMs: number | null;
  /** Sessions that were waiting on locks held by this runner at the end of its last batch. */
  blockedSessions: number;
}

export interface ThrottleState {
  /** Paused for replication lag: stays paused until the lag falls below half the limit. */
  lagPaused: boolean;
  /** Batches in a row that made other sessions wait. */
  blockedStreak: number;
  /** Earliest time (clock ms) the rate limit lets the next batch start; null = no debt. */
  rateReadyAt: number | null;
}

export const INITIAL_THROTTLE: ThrottleState = { lagPaused: false, blockedStreak: 0, rateReadyAt: null };

/** `paused`: the run was paused with `aibridge-migrate pause`. */
export type PauseCause = 'replication_lag' | 'blocked_sessions' | 'rate_limit' | 'pause_ms' | 'paused';

export type ThrottleDecision = { action: 'go' } | { action: 'pause'; ms: number; cause: PauseCause; reason: string };

export interface ThrottleInput {
  now: number;
  health: HealthSample;
  /** Rows the previous batch scanned and when it started; null before the first batch. */
  lastBatch: { rows: number; startedAt: number } | null;
  /** True when this check follows a batch (not a pause): only then does --pause-ms apply. */
  afterBatch: boolean;
}

/**
 * Health comes first (lag, then blocked sessions): it is what protects the application.
 * Then the rate limit, then the fixed pause. One decision at a time: the caller sleeps and
 * asks again, so a pause for one reason never hides another that arose meanwhile.
 */
export function decideThrottle(
  state: ThrottleState,
  settings: ThrottleSettings,
  input: ThrottleInput,
): { decision: ThrottleDecision; state: ThrottleState } {
  const next: ThrottleState = { ...state };
  // The rate limit charges each batch for its rows: it may start rows/limit seconds after the
  // previous one started. Charged once, when the batch is first seen.
  if (settings.maxRowsPerSecond !== null && input.lastBatch && input.afterBatch) {
    const cost = (input.lastBatch.rows * 1000) / settings.maxRowsPerSecond;
    next.rateReadyAt = Math.max(next.rateReadyAt ?? 0, input.lastBatch.startedAt) + cost;
  }

  const lag = input.health.replicationLagMs;
  const limit = settings.maxReplicationLagMs;
  if (lag !== null) {
    if (lag > limit) next.lagPaused = true;
    // Hysteresis: resuming at the limit itself would flap around it.
    else if (next.lagPaused && lag < limit / 2) next.lagPaused = false;
  } else {
    // No replica (any more): nothing to wait for.
    next.lagPaused = false;
  }
  if (next.lagPaused) {
    const why =
      lag !== null && lag > limit ? `above the ${formatSeconds(limit)} limit` : `waiting for it to fall below ${formatSeconds(limit / 2)}`;
    return {
      decision: {
        action: 'pause',
        ms: settings.lagPollMs,
        cause: 'replication_lag',
        reason: `replication replay lag ${formatSeconds(lag ?? 0)}, ${why}`,
      },
      state: next,
    };
  }

  if (input.afterBatch) next.blockedStreak = input.health.blockedSessions > 0 ? next.blockedStreak + 1 : 0;
  if (input.afterBatch && input.health.blockedSessions > 0) {
    const ms = Math.min(settings.blockedBackoffMaxMs, settings.blockedBackoffMs * 2 ** (next.blockedStreak - 1));
    const n = input.health.blockedSessions;
    return {
      decision: {
        action: 'pause',
        ms,
        cause: 'blocked_sessions',
        reason: `${n} session${n === 1 ? ' was' : 's were'} waiting on locks held by the backfill`,
      },
      state: next,
    };
  }

  if (next.rateReadyAt !== null && next.rateReadyAt > input.now) {
    return {
      decision: {
        action: 'pause',
        ms: Math.ceil(next.rateReadyAt - input.now),
        cause: 'rate_limit',
        reason: `--max-rows-per-second ${settings.maxRowsPerSecond}`,
      },
      state: next,
    };
  }

  if (input.afterBatch && input.lastBatch && settings.pauseMs > 0) {
    return {
      decision: { action: 'pause', ms: settings.pauseMs, cause: 'pause_ms', reason: `--pause-ms ${settings.pauseMs}` },
      state: next,
    };
  }
  return { decision: { action: 'go' }, state: next };
}

/** How often a paused lane reads its run's control row again: a `resume` is obeyed within this. */
export const PAUSED_POLL_MS = 1_000;

export type ControlDecision = { action: 'go' } | { action: 'cancel' } | { action: 'pause'; ms: number; cause: 'paused'; reason: string };

/**
 * What the run's control row says before a batch: a cancel stops the lane (its last batch is
 * committed and checkpointed), a pause holds it and looks again within a second, anything else
 * lets the throttle decide.
 */
export function decideControl(control: RunControl): ControlDecision {
  if (control.state === 'cancel_requested') return { action: 'cancel' };
  if (control.state === 'paused') {
    return { action: 'pause', ms: PAUSED_POLL_MS, cause: 'paused', reason: 'paused by `aibridge-migrate pause`; waiting for `resume`' };
  }
  return { action: 'go' };
}

/** The throttle's settings with the run's `throttle` override applied (null: the process's own). */
export function withControl(settings: ThrottleSettings, control: RunControl): ThrottleSettings {
  return control.maxRowsPerSecond === null ? settings : { ...settings, maxRowsPerSecond: control.maxRowsPerSecond };
}
