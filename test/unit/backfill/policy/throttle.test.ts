import { describe, expect, it } from 'vitest';
import {
  decideThrottle,
  INITIAL_THROTTLE,
  type HealthSample,
  type ThrottleSettings,
  type ThrottleState,
} from '../../../../src/backfill/policy/throttle.js';

const SETTINGS: ThrottleSettings = {
  maxReplicationLagMs: 10_000,
  maxReplicationLagBytes: null,
  maxRowsPerSecond: null,
  pauseMs: 0,
  lagPollMs: 1_000,
  blockedBackoffMs: 500,
  blockedBackoffMaxMs: 10_000,
};

const healthy: HealthSample = { standbys: [], blockedSessions: 0 };

/**
 * One standby, "replica1", with this replay lag (ms), bytes of WAL left to replay (null: not
 * visible), and whether it kept up between its last two reports.
 */
function lag(replayLagMs: number | null, lagBytes: number | null = null, keepsUp = false): Pick<HealthSample, 'standbys'> {
  return { standbys: [{ applicationName: 'replica1', replayLagMs, lagBytes, keepsUp }] };
}

interface Case {
  name: string;
  state?: Partial<ThrottleState>;
  settings?: Partial<ThrottleSettings>;
  health?: Partial<HealthSample>;
  lastBatch?: { rows: number; startedAt: number } | null;
  afterBatch?: boolean;
  now?: number;
  expected: { action: 'go' } | { action: 'pause'; ms: number; cause: string };
  /** Fields of the state after the decision. */
  after?: Partial<ThrottleState>;
}

const cases: Case[] = [
  { name: 'healthy, no limits: go', expected: { action: 'go' } },
  { name: 'no replicas (lag null): go', health: { standbys: [] }, expected: { action: 'go' } },
  { name: 'lag below the limit: go', health: lag(9_999), expected: { action: 'go' }, after: { lagPaused: false } },
  { name: 'lag exactly at the limit: go', health: lag(10_000), expected: { action: 'go' } },
  {
    name: 'lag above the limit: pause for the poll interval',
    health: lag(12_000),
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
    after: { lagPaused: true },
  },
  {
    name: 'paused for lag, lag fell below the limit but not below half: still paused (hysteresis)',
    state: { lagPaused: true },
    health: lag(7_000),
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
    after: { lagPaused: true },
  },
  {
    name: 'paused for lag, lag at exactly half: still paused',
    state: { lagPaused: true },
    health: lag(5_000),
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
  },
  {
    name: 'paused for lag, lag below half: resume',
    state: { lagPaused: true },
    health: lag(4_999),
    expected: { action: 'go' },
    after: { lagPaused: false },
  },
  {
    name: 'paused for lag, the replica went away: resume',
    state: { lagPaused: true },
    health: { standbys: [] },
    expected: { action: 'go' },
    after: { lagPaused: false },
  },
  {
    name: 'a standby with nothing left to replay: its stale replay_lag does not count',
    health: lag(12_000, 0),
    expected: { action: 'go' },
    after: { lagPaused: false },
  },
  {
    name: 'paused for lag, the standby has replayed everything while replay_lag still reads its last figure: resume',
    state: { lagPaused: true },
    health: lag(6_953, 0),
    expected: { action: 'go' },
    after: { lagPaused: false },
  },
  {
    name: 'a standby that keeps up between its reports: replay_lag (then the time between its reports) does not count',
    health: lag(6_000, 200, true),
    expected: { action: 'go' },
  },
  {
    name: 'paused for lag, the standby caught up and keeps up, replay_lag still reads the age of what it caught up on: resume',
    state: { lagPaused: true },
    health: lag(18_000, 300, true),
    expected: { action: 'go' },
    after: { lagPaused: false },
  },
  {
    name: 'a standby stuck on a little WAL (not keeping up): its replay_lag counts',
    health: lag(12_000, 200),
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
  },
  {
    name: 'keeping up in time, but above the bytes limit: the bytes limit still applies',
    settings: { maxReplicationLagBytes: 64 * 1024 },
    health: lag(6_000, 500_000, true),
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
  },
  {
    name: 'replay_lag NULL (an idle standby) but WAL left to replay above the bytes limit: pause',
    settings: { maxReplicationLagBytes: 1_048_576 },
    health: lag(null, 2_000_000),
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
    after: { lagPaused: true },
  },
  {
    name: 'bytes above the limit while the time lag is small: pause',
    settings: { maxReplicationLagBytes: 1_048_576 },
    health: lag(300, 5_000_000),
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
  },
  {
    name: 'bytes exactly at the limit: go',
    settings: { maxReplicationLagBytes: 1_048_576 },
    health: lag(null, 1_048_576),
    expected: { action: 'go' },
  },
  {
    name: 'no bytes limit (0 = off): bytes alone never pause',
    health: lag(null, 10_000_000_000),
    expected: { action: 'go' },
  },
  {
    name: 'neither lag visible (a role without pg_monitor): go',
    settings: { maxReplicationLagBytes: 1_048_576 },
    health: lag(null, null),
    expected: { action: 'go' },
  },
  {
    name: 'paused for bytes, below the limit but not below half: still paused',
    settings: { maxReplicationLagBytes: 1_000_000 },
    state: { lagPaused: true },
    health: lag(null, 600_000),
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
    after: { lagPaused: true },
  },
  {
    name: 'paused, the time lag fell below half but the bytes did not: still paused',
    settings: { maxReplicationLagBytes: 1_000_000 },
    state: { lagPaused: true },
    health: lag(1_000, 700_000),
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
  },
  {
    name: 'paused, both below half of their limits: resume',
    settings: { maxReplicationLagBytes: 1_000_000 },
    state: { lagPaused: true },
    health: lag(1_000, 499_999),
    expected: { action: 'go' },
    after: { lagPaused: false },
  },
  {
    name: 'two standbys, one over the limit: pause',
    health: {
      standbys: [
        { applicationName: 'calm', replayLagMs: 100, lagBytes: 10_000, keepsUp: false },
        { applicationName: 'behind', replayLagMs: 15_000, lagBytes: 90_000_000, keepsUp: false },
      ],
    },
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
  },
  {
    name: 'paused, the lagging standby disconnected and the one left is calm: resume',
    state: { lagPaused: true },
    health: { standbys: [{ applicationName: 'calm', replayLagMs: 100, lagBytes: 10_000, keepsUp: false }] },
    expected: { action: 'go' },
    after: { lagPaused: false },
  },
  {
    name: 'paused, the lagging standby disconnected and the one left is between half and the limit: still paused',
    state: { lagPaused: true },
    health: { standbys: [{ applicationName: 'second', replayLagMs: 6_000, lagBytes: 5_000_000, keepsUp: false }] },
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
  },
  {
    name: 'lag beats blocked sessions: health of replicas first',
    health: { ...lag(20_000), blockedSessions: 3 },
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
  },
  {
    name: 'the last batch made a session wait: back off',
    health: { blockedSessions: 1 },
    lastBatch: { rows: 1000, startedAt: 0 },
    expected: { action: 'pause', ms: 500, cause: 'blocked_sessions' },
    after: { blockedStreak: 1 },
  },
  {
    name: 'sessions blocked three batches in a row: the back-off doubles each time',
    state: { blockedStreak: 2 },
    health: { blockedSessions: 2 },
    lastBatch: { rows: 1000, startedAt: 0 },
    expected: { action: 'pause', ms: 2_000, cause: 'blocked_sessions' },
    after: { blockedStreak: 3 },
  },
  {
    name: 'blocked back-off is capped',
    state: { blockedStreak: 30 },
    health: { blockedSessions: 1 },
    lastBatch: { rows: 1000, startedAt: 0 },
    expected: { action: 'pause', ms: 10_000, cause: 'blocked_sessions' },
  },
  {
    name: 'a batch without blocked sessions resets the streak',
    state: { blockedStreak: 4 },
    lastBatch: { rows: 1000, startedAt: 0 },
    expected: { action: 'go' },
    after: { blockedStreak: 0 },
  },
  {
    name: 'after a pause (not a batch) the same blocked sample is not counted again',
    state: { blockedStreak: 1 },
    health: { blockedSessions: 1 },
    lastBatch: { rows: 1000, startedAt: 0 },
    afterBatch: false,
    expected: { action: 'go' },
    after: { blockedStreak: 1 },
  },
  {
    name: 'rate limit: 1000 rows at 2000 rows/s may start 500 ms after the batch started',
    settings: { maxRowsPerSecond: 2_000 },
    lastBatch: { rows: 1_000, startedAt: 10_000 },
    now: 10_200,
    expected: { action: 'pause', ms: 300, cause: 'rate_limit' },
    after: { rateReadyAt: 10_500 },
  },
  {
    name: 'rate limit: a batch slower than its budget owes nothing',
    settings: { maxRowsPerSecond: 2_000 },
    lastBatch: { rows: 1_000, startedAt: 10_000 },
    now: 10_700,
    expected: { action: 'go' },
  },
  {
    name: 'rate limit: debt carries over from batches that started before the previous one was paid for',
    settings: { maxRowsPerSecond: 1_000 },
    state: { rateReadyAt: 12_000 },
    lastBatch: { rows: 500, startedAt: 11_000 },
    now: 11_100,
    expected: { action: 'pause', ms: 1_400, cause: 'rate_limit' },
    after: { rateReadyAt: 12_500 },
  },
  {
    name: 'rate limit re-checked after its pause: the batch is not charged twice',
    settings: { maxRowsPerSecond: 2_000 },
    state: { rateReadyAt: 10_500 },
    lastBatch: { rows: 1_000, startedAt: 10_000 },
    afterBatch: false,
    now: 10_500,
    expected: { action: 'go' },
    after: { rateReadyAt: 10_500 },
  },
  {
    name: '--pause-ms after a batch',
    settings: { pauseMs: 250 },
    lastBatch: { rows: 10, startedAt: 0 },
    expected: { action: 'pause', ms: 250, cause: 'pause_ms' },
  },
  {
    name: '--pause-ms not before the first batch',
    settings: { pauseMs: 250 },
    lastBatch: null,
    afterBatch: false,
    expected: { action: 'go' },
  },
  {
    name: '--pause-ms not again after its own pause',
    settings: { pauseMs: 250 },
    lastBatch: { rows: 10, startedAt: 0 },
    afterBatch: false,
    expected: { action: 'go' },
  },
  {
    name: 'blocked sessions beat the rate limit',
    settings: { maxRowsPerSecond: 10 },
    health: { blockedSessions: 1 },
    lastBatch: { rows: 1000, startedAt: 0 },
    expected: { action: 'pause', ms: 500, cause: 'blocked_sessions' },
  },
];

describe('decideThrottle', () => {
  it.each(cases)('$name', (c) => {
    const state: ThrottleState = { ...INITIAL_THROTTLE, ...c.state };
    const lastBatch = c.lastBatch === undefined ? { rows: 100, startedAt: 0 } : c.lastBatch;
    const { decision, state: next } = decideThrottle(
      state,
      { ...SETTINGS, ...c.settings },
      {
        now: c.now ?? 0,
        health: { ...healthy, ...c.health },
        lastBatch,
        afterBatch: c.afterBatch ?? lastBatch !== null,
      },
    );
    expect(decision).toMatchObject(c.expected);
    if (decision.action === 'pause') expect(decision.reason.length).toBeGreaterThan(0);
    if (c.after) expect(next).toMatchObject(c.after);
  });

  it('pauses name the numbers an operator needs', () => {
    const lagging = decideThrottle(INITIAL_THROTTLE, SETTINGS, {
      now: 0,
      health: { ...lag(12_345), blockedSessions: 0 },
      lastBatch: null,
      afterBatch: false,
    });
    expect(lagging.decision).toMatchObject({ reason: 'replication lag on standby "replica1": replay lag 12 s; above the 10 s limit' });
    const blocked = decideThrottle(INITIAL_THROTTLE, SETTINGS, {
      now: 0,
      health: { standbys: [], blockedSessions: 2 },
      lastBatch: { rows: 1, startedAt: 0 },
      afterBatch: true,
    });
    expect(blocked.decision).toMatchObject({ reason: '2 sessions were waiting on locks held by the backfill' });
  });

  it('a replication-lag pause names the standby and what was measured', () => {
    const settings = { ...SETTINGS, maxReplicationLagMs: 2_000, maxReplicationLagBytes: 64 * 1024 * 1024 };
    const pause = (standbys: HealthSample['standbys'], state = INITIAL_THROTTLE) =>
      decideThrottle(state, settings, { now: 0, health: { standbys, blockedSessions: 0 }, lastBatch: null, afterBatch: false });
    const byTime = pause([
      { applicationName: 'calm', replayLagMs: 100, lagBytes: 10_000, keepsUp: false },
      { applicationName: 'aibridge_standby_test', replayLagMs: 3_250, lagBytes: 13_107_200, keepsUp: false },
    ]);
    expect(byTime.decision).toEqual({
      action: 'pause',
      ms: 1_000,
      cause: 'replication_lag',
      reason: 'replication lag on standby "aibridge_standby_test": replay lag 3.3 s, 12.5 MB of WAL not replayed; above the 2.0 s limit',
      standby: { applicationName: 'aibridge_standby_test', replayLagMs: 3_250, lagBytes: 13_107_200, keepsUp: false },
    });
    const byBytes = pause([{ applicationName: 'idle', replayLagMs: null, lagBytes: 100 * 1024 * 1024, keepsUp: false }]);
    expect(byBytes.decision).toMatchObject({
      reason: 'replication lag on standby "idle": replay lag unknown, 100 MB of WAL not replayed; above the 64.0 MB limit',
    });
    const settling = pause([{ applicationName: 'idle', replayLagMs: 1_500, lagBytes: 2 * 1024 * 1024, keepsUp: false }], byBytes.state);
    expect(settling.decision).toMatchObject({
      reason:
        'replication lag on standby "idle": replay lag 1.5 s, 2.0 MB of WAL not replayed; waiting for it to fall below 1.0 s and 32.0 MB',
    });
    // The worst standby is the one furthest over its limits, by share of them.
    const worst = pause([
      { applicationName: 'time', replayLagMs: 4_000, lagBytes: 2 * 1024 * 1024, keepsUp: false },
      { applicationName: 'bytes', replayLagMs: 500, lagBytes: 640 * 1024 * 1024, keepsUp: false },
    ]);
    expect(worst.decision).toMatchObject({ standby: { applicationName: 'bytes' } });
  });

  it('a lag that hovers around the limit pauses once and resumes once (no flapping)', () => {
    let state = INITIAL_THROTTLE;
    const actions: string[] = [];
    for (const ms of [9_000, 11_000, 9_500, 10_500, 8_000, 6_000, 4_000, 9_000, 9_900]) {
      const out = decideThrottle(state, SETTINGS, {
        now: 0,
        health: { ...lag(ms), blockedSessions: 0 },
        lastBatch: null,
        afterBatch: false,
      });
      state = out.state;
      actions.push(out.decision.action);
    }
    expect(actions).toEqual(['go', 'pause', 'pause', 'pause', 'pause', 'pause', 'go', 'go', 'go']);
  });
});
