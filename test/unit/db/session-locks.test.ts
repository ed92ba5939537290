import { describe, expect, it } from 'vitest';
import type { LockHolder } from '../../../src/db/lock-holders.js';
import { lockLabel, stillWaitingMessage, unreleasedLockMessage } from '../../../src/db/session-locks.js';

const holder = (pid: number, state: string): LockHolder => ({
  pid,
  user: 'coder',
  applicationName: 'aibridge-migrate backfill',
  clientAddr: '10.0.0.9',
  backendStart: null,
  state,
  xactAgeMs: null,
  stateAgeMs: 2_500,
  modes: ['ExclusiveLock'],
  granted: true,
});

describe('a session lock an unlock did not release', () => {
  it('names where the unlock ran, who holds the lock, and the query that ends it', () => {
    expect(unreleasedLockMessage(lockLabel('aibridge-migrate backfill x'), 41, [holder(40, 'idle')])).toBe(
      'the session advisory lock "aibridge-migrate backfill x" was not released: pg_advisory_unlock ran on backend pid 41, which does not hold it (a transaction-mode pooler sent it to another server session). Still held by backend pid 40, application_name \'aibridge-migrate backfill\', user coder, from 10.0.0.9: idle for 2.5 s, holds ExclusiveLock. A pooled server connection keeps it after this process exits; once no aibridge-migrate process is running and it is idle, end it with SELECT pg_terminate_backend(40)',
    );
  });

  it('a lost connection and several holders', () => {
    const message = unreleasedLockMessage(lockLabel(7n), null, [holder(40, 'idle'), holder(42, 'idle in transaction')]);
    expect(message).toMatch(
      /^the session advisory lock advisory key 7 was not released: the connection was lost before it could be released\./,
    );
    expect(message).toMatch(
      /once no aibridge-migrate process is running and they are idle, end them with SELECT pg_terminate_backend\(40\); SELECT pg_terminate_backend\(42\)$/,
    );
  });
});

describe('a wait for a lock whose holder sits idle', () => {
  it('names the holder, why it is probably abandoned, and the query that ends it', () => {
    expect(stillWaitingMessage(lockLabel('aibridge-migrate backfill x'), [holder(40, 'idle')])).toBe(
      "still waiting for the session advisory lock \"aibridge-migrate backfill x\", held by backend pid 40, application_name 'aibridge-migrate backfill', user coder, from 10.0.0.9: idle for 2.5 s, holds ExclusiveLock. Probably no aibridge-migrate process is behind it: a transaction-mode pooler's server connection or a leaked session keeps a lock after its process ended. If none is running, end it with SELECT pg_terminate_backend(40)",
    );
  });
});
