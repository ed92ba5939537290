/**
 * When `up` and `down` try again after a lock was not granted: exponential growth lets a
 * long-running blocker finish; equal jitter spreads several deploys (or several pods running
 * `up`) apart so they do not queue on the table in lockstep, and guarantees a retry never
 * follows a failure at once.
 */
import type { RetryPolicy } from '../retry-policy.js';

export const DEFAULT_LOCK_RETRY_POLICY: RetryPolicy = { retries: 10, baseDelayMs: 1000, maxDelayMs: 30_000, jitter: 'equal' };

/** The policy for --lock-retries / --lock-retry-delay. */
export function lockRetryPolicy(settings: { lockRetries: number; lockRetryDelayMs: number }): RetryPolicy {
  return {
    ...DEFAULT_LOCK_RETRY_POLICY,
    retries: settings.lockRetries,
    baseDelayMs: settings.lockRetryDelayMs,
    maxDelayMs: Math.max(DEFAULT_LOCK_RETRY_POLICY.maxDelayMs, settings.lockRetryDelayMs),
  };
}
