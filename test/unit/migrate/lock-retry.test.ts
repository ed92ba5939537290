import { describe, expect, it } from 'vitest';
import { CoderLockTimeoutError } from '../../../src/coder/lock.js';
import { lockConflictKind, withLockRetries } from '../../../src/migrate/lock-retry.js';
import type { LockHolder } from '../../../src/db/lock-holders.js';

const lockTimeout = () => Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' });
const holder: LockHolder = {
  backendStart: null,
  pid: 7,
  user: null,
  applicationName: 'psql',
  clientAddr: null,
  state: 'idle in transaction',
  xactAgeMs: 1000,
  stateAgeMs: 1000,
  modes: ['AccessShareLock'],
  granted: true,
};

function harness(outcomes: (unknown | 'ok')[], retries = 3) {
  const sleeps: number[] = [];
  const logged: string[] = [];
  let calls = 0;
  const run = withLockRetries(
    async () => {
      const outcome = outcomes[calls++];
      if (outcome === 'ok') return 'done';
      throw outcome;
    },
    {
      policy: { retries, baseDelayMs: 100, maxDelayMs: 1000, jitter: 'equal' },
      random: () => 1,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      findBlockers: async () => [holder],
      onWait: (_wait, summary) => logged.push(summary),
    },
  );
  return { run, sleeps, logged, calls: () => calls };
}

describe('withLockRetries', () => {
  it('retries lock timeouts with growing delays and succeeds', async () => {
    const h = harness([lockTimeout(), lockTimeout(), 'ok']);
    const outcome = await h.run;
    expect(outcome).toMatchObject({ status: 'ok', value: 'done', attempts: 3 });
    expect(h.sleeps).toEqual([100, 200]);
    expect(h.logged[0]).toBe(
      "attempt 1: lock not granted within lock_timeout; blocked by pid 7, application_name 'psql': idle in transaction for 1.0 s, transaction open 1.0 s, holds AccessShareLock; retry 1 of 3 in 0.1 s",
    );
  });

  it('stops when the budget is spent, without a final sleep', async () => {
    const h = harness([lockTimeout(), lockTimeout(), lockTimeout()], 2);
    const outcome = await h.run;
    expect(outcome.status).toBe('exhausted');
    expect(outcome.attempts).toBe(3);
    expect(outcome.waits.map((w) => w.retryInMs)).toEqual([100, 200, null]);
    expect(h.sleeps).toEqual([100, 200]);
    expect(h.logged.at(-1)).toMatch(/no retries left$/);
  });

  it('does not retry anything but a lock conflict', async () => {
    const denied = Object.assign(new Error('permission denied for table'), { code: '42501' });
    const h = harness([denied, 'ok']);
    await expect(h.run).rejects.toBe(denied);
    expect(h.calls()).toBe(1);
    expect(h.sleeps).toEqual([]);
  });
});

describe('lock conflicts that are retried', () => {
  it.each([
    [Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }), 'lock_timeout'],
    [new Error("Another migration is already running. Advisory lock mode is set to 'fail'."), 'migration_lock'],
    [Object.assign(new Error('deadlock detected'), { code: '40P01' }), 'deadlock'],
    [Object.assign(new Error('could not serialize access'), { code: '40001' }), undefined],
    [Object.assign(new Error('permission denied'), { code: '42501' }), undefined],
    [new Error('boom'), undefined],
  ])('%s → %s', (error, kind) => {
    expect(lockConflictKind(error)).toBe(kind);
  });

  it("a lock_timeout on Coder's lock is retried as its own kind", () => {
    expect(
      lockConflictKind(new CoderLockTimeoutError(Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }))),
    ).toBe('coder_lock');
  });
});
