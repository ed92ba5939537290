import { describe, expect, it } from 'vitest';
import { batchRetryPolicy, classifyFailure } from '../../../../src/backfill/policy/failure.js';
import { retryDelayMs } from '../../../../src/retry-policy.js';
import { ConnectionError } from '../../../../src/errors.js';

function pgError(code: string, message = 'x') {
  return Object.assign(new Error(message), { code });
}

describe('failure classification', () => {
  it.each([
    ['statement timeout', pgError('57014'), 'split'],
    ['lock not available', pgError('55P03'), 'split'],
    ['serialization failure', pgError('40001'), 'retry'],
    ['deadlock', pgError('40P01'), 'retry'],
    ['admin shutdown (failover, pg_terminate_backend)', pgError('57P01'), 'reconnect'],
    ['socket reset', pgError('ECONNRESET'), 'reconnect'],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly'), 'reconnect'],
    ['reconnect refused while the server restarts', new ConnectionError('cannot reach', { cause: pgError('ECONNREFUSED') }), 'reconnect'],
    ['wrong password on reconnect', new ConnectionError('auth', { cause: pgError('28P01') }), 'fatal'],
    ['privilege', pgError('42501'), 'fatal'],
    ['missing column', pgError('42703'), 'fatal'],
    ['a bug', new TypeError('x is undefined'), 'fatal'],
  ])('%s → %s', (_name, error, action) => {
    expect(classifyFailure(error)).toBe(action);
  });
});

describe('backoff', () => {
  it.each([
    [1, 0.999, 249],
    [1, 0, 0],
    [2, 0.5, 250],
    [4, 1, 2_000],
    [10, 1, 15_000],
    [50, 0.5, 7_500],
  ])('attempt %i with random %f waits %i ms (full jitter, capped)', (attempt, random, ms) => {
    expect(retryDelayMs(attempt, batchRetryPolicy(8), () => random)).toBe(ms);
  });
});
