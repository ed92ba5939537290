import { describe, expect, it } from 'vitest';
import {
  decideThrottle,
  INITIAL_THROTTLE,
  type HealthSample,
  type ThrottleSettings,
  type ThrottleState,
} from '../../src/backfill/policy/throttle.js';

const SETTINGS: ThrottleSettings = {
  maxReplicationLagMs: 10_000,
  maxRowsPerSecond: null,
  pauseMs: 0,
  lagPollMs: 1_000,
  blockedBackoffMs: 500,
  blockedBackoffMaxMs: 10_000,
};

const healthy: HealthSample = { replicationLagMs: null, blockedSessions: 0 };

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
  { name: 'no replicas (lag null): go', health: { replicationLagMs: null }, expected: { action: 'go' } },
  { name: 'lag below the limit: go', health: { replicationLagMs: 9_999 }, expected: { action: 'go' }, after: { lagPaused: false } },
  { name: 'lag exactly at the limit: go', health: { replicationLagMs: 10_000 }, expected: { action: 'go' } },
  {
    name: 'lag above the limit: pause for the poll interval',
    health: { replicationLagMs: 12_000 },
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
    after: { lagPaused: true },
  },
  {
    name: 'paused for lag, lag fell below the limit but not below half: still paused (hysteresis)',
    state: { lagPaused: true },
    health: { replicationLagMs: 7_000 },
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
    after: { lagPaused: true },
  },
  {
    name: 'paused for lag, lag at exactly half: still paused',
    state: { lagPaused: true },
    health: { replicationLagMs: 5_000 },
    expected: { action: 'pause', ms: 1_000, cause: 'replication_lag' },
  },
  {
    name: 'paused for lag, lag below half: resume',
    state: { lagPaused: true },
    health: { replicationLagMs: 4_999 },
    expected: { action: 'go' },
    after: { lagPaused: false },
  },
  {
    name: 'paused for lag, the replica went away: resume',
    state: { lagPaused: true },
    health: { replicationLagMs: null },
    expected: { action: 'go' },
    after: { lagPaused: false },
  },
  {
    name: 'lag beats blocked sessions: health of replicas first',
    health: { replicationLagMs: 20_000, blockedSessions: 3 },
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
    const lag = decideThrottle(INITIAL_THROTTLE, SETTINGS, {
      now: 0,
      health: { replicationLagMs: 12_345, blockedSessions: 0 },
      lastBatch: null,
      afterBatch: false,
    });
    expect(lag.decision).toMatchObject({ reason: 'replication replay lag 12 s, above the 10 s limit' });
    const blocked = decideThrottle(INITIAL_THROTTLE, SETTINGS, {
      now: 0,
      health: { replicationLagMs: null, blockedSessions: 2 },
      lastBatch: { rows: 1, startedAt: 0 },
      afterBatch: true,
    });
    expect(blocked.decision).toMatchObject({ reason: '2 sessions were waiting on locks held by the backfill' });
  });

  it('a lag that hovers around the limit pauses once and resumes once (no flapping)', () => {
    let state = INITIAL_THROTTLE;
    const actions: string[] = [];
    for (const lag of [9_000, 11_000, 9_500, 10_500, 8_000, 6_000, 4_000, 9_000, 9_900]) {
      const out = decideThrottle(state, SETTINGS, {
        now: 0,
        health: { replicationLagMs: lag, blockedSessions: 0 },
        lastBatch: null,
        afterBatch: false,
      });
      state = out.state;
      actions.push(out.decision.action);
    }
    expect(actions).toEqual(['go', 'pause', 'pause', 'pause', 'pause', 'pause', 'go', 'go', 'go']);
  });
});
