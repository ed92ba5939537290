/**
 * When to try again after a lock was not granted. Pure: randomness is passed in.
 *
 * "Equal jitter": the n-th retry waits between half and all of min(cap, base * 2^(n-1)).
 * Exponential growth lets a long-running blocker finish; the random half spreads several
 * deploys (or several pods running `up`) apart so they do not queue on the table in lockstep;
 * the guaranteed half keeps a retry from following a failure immediately.
 */
import { equalJitterMs, exponentialCeilingMs } from '../db/backoff.js';

export interface RetryPolicy {
  /** Retries after the first attempt; 0 = fail on the first lock timeout. */
  retries: number;
  /** Ceiling of the first retry's delay. */
  baseDelayMs: number;
  /** No single delay exceeds this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 10, baseDelayMs: 1000, maxDelayMs: 30_000 };

/** The ceiling of retry number `retry` (1-based). */
export function retryCeilingMs(retry: number, policy: RetryPolicy): number {
  return exponentialCeilingMs(retry, policy.baseDelayMs, policy.maxDelayMs);
}

export function retryDelayMs(retry: number, policy: RetryPolicy, random: () => number): number {
  return equalJitterMs(retryCeilingMs(retry, policy), random());
}

export type RetryDecision = { retry: true; retryNumber: number; delayMs: number } | { retry: false };

/** After `failures` failed attempts (≥ 1): retry, and after how long, or give up. */
export function nextRetry(failures: number, policy: RetryPolicy, random: () => number): RetryDecision {
  if (failures > policy.retries) return { retry: false };
  return { retry: true, retryNumber: failures, delayMs: retryDelayMs(failures, policy, random) };
}

/** The longest `up` can spend waiting on locks: every attempt timing out, every delay at its ceiling. */
export function worstCaseWaitMs(policy: RetryPolicy, lockTimeoutMs: number): number {
  let total = (policy.retries + 1) * lockTimeoutMs;
  for (let retry = 1; retry <= policy.retries; retry++) total += retryCeilingMs(retry, policy);
  return total;
}
