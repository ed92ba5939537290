import { describe, expect, it } from 'vitest';
import { nextRetry, retryCeilingMs, retryDelayMs, worstCaseWaitMs, type RetryPolicy } from '../../../src/db/retry.js';

const policy: RetryPolicy = { retries: 5, baseDelayMs: 1000, maxDelayMs: 30_000, jitter: 'equal' };

describe('retry delay: equal jitter over a capped exponential', () => {
  it.each([
    // retry, random, expected delay
    [1, 0, 500],
    [1, 0.5, 750],
    [1, 1, 1000],
    [2, 0, 1000],
    [2, 1, 2000],
    [3, 0.25, 2500],
    [5, 1, 16_000],
    [6, 0, 15_000], // 32 s capped to 30 s: between 15 and 30
    [6, 1, 30_000],
    [60, 1, 30_000],
    [1000, 0.5, 22_500], // no overflow to Infinity or NaN
  ])('retry %i with random %d waits %i ms', (retry, random, expected) => {
    expect(retryDelayMs(retry, policy, () => random)).toBe(expected);
  });

  it('never leaves [ceiling/2, ceiling], even for a misbehaving random source', () => {
    expect(retryDelayMs(1, policy, () => -3)).toBe(500);
    expect(retryDelayMs(1, policy, () => 7)).toBe(1000);
  });

  it.each([
    [1, { retry: true, retryNumber: 1, delayMs: 750 }],
    [5, { retry: true, retryNumber: 5, delayMs: 12_000 }],
    [6, { retry: false }],
  ])('after %i failure(s) with 5 retries allowed: %j', (failures, expected) => {
    expect(nextRetry(failures, policy, () => 0.5)).toEqual(expected);
  });

  it('with 0 retries gives up at the first refusal', () => {
    expect(nextRetry(1, { ...policy, retries: 0 }, () => 0.5)).toEqual({ retry: false });
  });

  it('bounds the total time spent waiting on locks', () => {
    // 6 attempts × 2 s + ceilings 1 + 2 + 4 + 8 + 16 s
    expect(worstCaseWaitMs(policy, 2000)).toBe(12_000 + 31_000);
    expect(retryCeilingMs(7, policy)).toBe(30_000);
  });
});
