/**
 * Whether the next batch may start now, or how long to wait and why: a pure function of what
 * PostgreSQL said about its health, what this process did recently, and the settings. Tested
 * with tables of cases; the I/O that gathers the inputs is in health.ts and gate.ts.
 */
import type { RunControl } from '../../ledger/control.js';
import { formatBytes, formatSeconds } from '../../text/format.js';

export interface ThrottleSettings {
  /** Pause while a standby's replay lag is above this (ms). */
  maxReplicationLagMs: number;
  /** Pause while a standby has more than this many bytes of WAL left to replay; null = no byte limit. */
  maxReplicationLagBytes: number | null;
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

export const DEFAULT_THROTTLE: Omit<ThrottleSettings, 'maxReplicationLagMs' | 'maxReplicationLagBytes' | 'maxRowsPerSecond' | 'pauseMs'> = {
  lagPollMs: 1_000,
  blockedBackoffMs: 500,
  blockedBackoffMaxMs: 10_000,
};

/** One standby as the primary sees it: a row of pg_stat_replication (health.ts). */
export interface StandbyLag {
  /** Its application_name (primary_conninfo), how an operator knows which standby it is. */
  applicationName: string;
  /**
   * replay_lag (ms). Null when PostgreSQL has no figure: a standby that has replayed
   * everything and seen no new WAL for a while, one that just connected, or a role that may not
   * see it. It is refreshed only by the standby's status reports, so it can read stale.
   */
  replayLagMs: number | null;
  /** WAL the primary has written that the standby has not replayed (bytes); null when not visible. */
  lagBytes: number | null;
  /**
   * At its latest status report the standby had replayed all it had received by its previous
   * one (standby-reports.ts): it keeps up, and replay_lag only measures the time between its
   * reports.
   */
  keepsUp: boolean;
}

export interface HealthSample {
  /** Every standby connected to the primary; empty without any. */
  standbys: readonly StandbyLag[];
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

export type ThrottleDecision =
  | { action: 'go' }
  | {
      action: 'pause';
      ms: number;
      cause: PauseCause;
      reason: string;
      /** replication_lag: the standby waited for, as measured; null for the other causes. */
      standby: StandbyLag | null;
    };

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

  const standbys = input.health.standbys.map((standby) => judgeStandby(standby, settings));
  if (standbys.some((s) => s.over)) next.lagPaused = true;
  // Hysteresis: resuming at the limit itself would flap around it. A standby that left
  // pg_stat_replication no longer counts: it replays nothing until it reconnects, and then
  // its lag (by then the WAL written meanwhile) counts again.
  else if (next.lagPaused && standbys.every((s) => s.calm)) next.lagPaused = false;
  const worst = standbys.reduce<JudgedStandby | null>((w, s) => (w === null || s.load > w.load ? s : w), null);
  if (next.lagPaused && worst) {
    return {
      decision: {
        action: 'pause',
        ms: settings.lagPollMs,
        cause: 'replication_lag',
        reason: lagReason(worst, settings),
        standby: worst.standby,
      },
      state: next,
    };
  }
  next.lagPaused = false;

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
        standby: null,
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
        standby: null,
      },
      state: next,
    };
  }

  if (input.afterBatch && input.lastBatch && settings.pauseMs > 0) {
    return {
      decision: { action: 'pause', ms: settings.pauseMs, cause: 'pause_ms', reason: `--pause-ms ${settings.pauseMs}`, standby: null },
      state: next,
    };
  }
  return { decision: { action: 'go' }, state: next };
}

interface JudgedStandby {
  standby: StandbyLag;
  /** The replay lag that counts (see judgeStandby); null when unknown. */
  lagMs: number | null;
  /** Above a limit: pause. */
  over: boolean;
  /** Below half of every limit: a pause may end. */
  calm: boolean;
  /** How far over its limits, as a share of them (the largest): the worst standby is named. */
  load: number;
}

function judgeStandby(standby: StandbyLag, settings: ThrottleSettings): JudgedStandby {
  const limitMs = settings.maxReplicationLagMs;
  const limitBytes = settings.maxReplicationLagBytes;
  // replay_lag is as fresh as the standby's last status report, and a standby reports right
  // after it has received and flushed WAL, before replaying it: on a quiet primary (a paused
  // backfill's) the last report shows the previous write as not yet replayed, and replay_lag
  // reads the gap between writes, or after a pause the age of the WAL just caught up on, until
  // new WAL or wal_receiver_status_interval (10 s) brings another report. A standby with nothing
  // left to replay, or that keeps up from one report to the next, is not behind in time.
  const lagMs = standby.lagBytes === 0 || standby.keepsUp ? 0 : standby.replayLagMs;
  const bytes = limitBytes === null ? null : standby.lagBytes;
  const over = (lagMs !== null && lagMs > limitMs) || (bytes !== null && bytes > limitBytes!);
  const calm = (lagMs === null || lagMs < limitMs / 2) && (bytes === null || bytes < limitBytes! / 2);
  const load = Math.max(lagMs === null ? 0 : lagMs / limitMs, bytes === null ? 0 : bytes / limitBytes!);
  return { standby, lagMs, over, calm, load };
}

/** "replication lag on standby "replica1": replay lag 12 s, 1.5 MB of WAL not replayed; above the 10 s limit". */
function lagReason(judged: JudgedStandby, settings: ThrottleSettings): string {
  const { standby, lagMs } = judged;
  const shownMs = standby.replayLagMs;
  const limitMs = settings.maxReplicationLagMs;
  const limitBytes = settings.maxReplicationLagBytes;
  const measured = [
    `replay lag ${shownMs === null ? 'unknown' : formatSeconds(shownMs)}`,
    ...(standby.lagBytes === null ? [] : [`${formatBytes(standby.lagBytes)} of WAL not replayed`]),
  ].join(', ');
  let why: string;
  if (lagMs !== null && lagMs > limitMs) why = `above the ${formatSeconds(limitMs)} limit`;
  else if (limitBytes !== null && standby.lagBytes !== null && standby.lagBytes > limitBytes)
    why = `above the ${formatBytes(limitBytes)} limit`;
  else
    why = `waiting for it to fall below ${formatSeconds(limitMs / 2)}${limitBytes === null ? '' : ` and ${formatBytes(limitBytes / 2)}`}`;
  return `replication lag on standby ${JSON.stringify(standby.applicationName)}: ${measured}; ${why}`;
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
