import { describe, expect, it } from 'vitest';
import { describeLockHolder, describeLockHolders, type LockHolder } from '../../../src/db/lock-holders.js';

const blocker: LockHolder = {
  backendStart: null,
  pid: 4242,
  user: 'coder',
  applicationName: 'coderd',
  clientAddr: '10.0.0.7',
  state: 'idle in transaction',
  xactAgeMs: 83_400,
  stateAgeMs: 2_500,
  modes: ['AccessShareLock'],
  granted: true,
};

describe('describing who blocks', () => {
  it.each([
    [
      blocker,
      "pid 4242, application_name 'coderd', user coder, from 10.0.0.7: idle in transaction for 2.5 s, transaction open 83 s, holds AccessShareLock",
    ],
    [
      { ...blocker, user: null, clientAddr: null, state: 'active', xactAgeMs: null, granted: false, modes: ['RowExclusiveLock'] },
      "pid 4242, application_name 'coderd': active for 2.5 s, is queued for RowExclusiveLock",
    ],
  ])('%#', (b, expected) => {
    expect(describeLockHolder(b)).toBe(expected);
  });

  it('says so when the holder is already gone', () => {
    expect(describeLockHolders([])).toBe('the holder had already gone when we looked');
  });
});
