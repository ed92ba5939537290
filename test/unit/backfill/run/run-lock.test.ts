import { describe, expect, it } from 'vitest';
import {
  idleHolderAdvice,
  idleHolders,
  NO_RUN_IDLE_MS,
  STALE_IDLE_MS,
  type RunLockHolders,
} from '../../../../src/backfill/run/run-lock.js';
import type { LockHolder } from '../../../../src/db/lock-holders.js';

const session = (over: Partial<LockHolder>): LockHolder => ({
  pid: 300,
  user: 'coder',
  applicationName: 'aibridge-migrate backfill',
  clientAddr: '127.0.0.1',
  backendStart: new Date('2026-12-05T10:00:00Z'),
  state: 'idle',
  xactAgeMs: null,
  stateAgeMs: 500,
  modes: ['ExclusiveLock'],
  granted: true,
  ...over,
});

const openRun = {
  runId: 3,
  host: 'ops-1',
  pid: 4242,
  runStartedAt: new Date('2026-12-05T10:00:00Z'),
  runUpdatedAt: new Date('2026-12-05T10:05:00Z'),
};
const noRun = { runId: null, host: null, pid: null, runStartedAt: null, runUpdatedAt: null };

describe('a run-lock holder with probably no backfill behind it', () => {
  it.each<[string, RunLockHolders, number[]]>([
    ['a live runner between batches', { ...openRun, sessions: [session({})] }, []],
    ['a runner inside a batch', { ...openRun, sessions: [session({ state: 'active' })] }, []],
    ['a runner between taking the lock and choosing its run', { ...noRun, sessions: [session({})] }, []],
    [
      'an idle holder with no open run for longer than choosing one takes (a completed run left its lock on a pooled connection)',
      { ...noRun, sessions: [session({ stateAgeMs: NO_RUN_IDLE_MS })] },
      [300],
    ],
    [
      'an idle holder under another name (the pooler handed it to another client since)',
      { ...openRun, sessions: [session({ applicationName: 'coder' })] },
      [300],
    ],
    [
      'an idle holder still for longer than a runner ever is',
      { ...openRun, sessions: [session({ stateAgeMs: STALE_IDLE_MS + 1 })] },
      [300],
    ],
    ['a holder in a transaction is somebody at work', { ...noRun, sessions: [session({ state: 'idle in transaction' })] }, []],
  ])('%s', (_, holder, pids) => {
    expect(idleHolders(holder).map((s) => s.pid)).toEqual(pids);
  });

  it('names the session, why it looks abandoned, and the query that ends it', () => {
    const advice = idleHolderAdvice({ ...noRun, sessions: [session({ stateAgeMs: 12_000 })] });
    expect(advice?.message).toBe(
      "probably not, though: session pid 300 (idle for 12 s, application_name 'aibridge-migrate backfill') holds the run lock while idle, and no run is open in the ledger. A transaction-mode pooler's server connection or a leaked session keeps a session lock after the process that took it has ended",
    );
    expect(advice?.hint).toMatch(
      /^If no backfill is running, end that session, then run the command again: SELECT pg_terminate_backend\(300\)\. /,
    );
    expect(idleHolderAdvice({ ...openRun, sessions: [session({ stateAgeMs: STALE_IDLE_MS + 1 })] })?.hint).toMatch(
      /^If no backfill is running on host ops-1 pid 4242, end that session/,
    );
    expect(idleHolderAdvice({ ...openRun, sessions: [session({})] })).toBeNull();
  });
});
