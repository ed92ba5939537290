/**
 * When to try again after a failure worth retrying. One policy shape for every retry loop of the
 * toolkit (--connect-retry, the migrations' lock waits, the backfill's batches); each caller
 * chooses its numbers and its jitter. Pure: the random number is passed in.
 */

export interface RetryPolicy {
  /** Retries after the first attempt; 0 = give up at the first failure. */
  retries: number;
  /** Ceiling of the first retry's delay; it doubles per retry. */
  baseDelayMs: number;
  /** No single delay exceeds this. */
  maxDelayMs: number;
  /**
   * `full`: uniform in [0, ceiling] — spreads many clients the most (a restarted primary is not
   * hit by every client at once). `equal`: uniform in [ceiling/2, ceiling] — a retry never
   * follows a failure at once, and several deploys running `up` still drift apart.
   */
  jitter: 'full' | 'equal';
}

function unit(random: number): number {
  return Math.min(Math.max(random, 0), 1);
}

/** The ceiling of retry `retry` (1-based): min(max, base * 2^(retry-1)). */
export function retryCeilingMs(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>): number {
  // The exponent is bounded so that base * 2^n stays finite (Infinity * 0 would be NaN);
  // 2^60 is past any cap already.
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(Math.max(0, retry - 1), 60));
}

export function retryDelayMs(retry: number, policy: Omit<RetryPolicy, 'retries'>, random: () => number): number {
  const ceiling = retryCeilingMs(retry, policy);
  return policy.jitter === 'full' ? Math.floor(ceiling * unit(random())) : Math.round(ceiling / 2 + unit(random()) * (ceiling / 2));
}

export type RetryDecision = { retry: true; retryNumber: number; delayMs: number } | { retry: false };

/** After `failures` failed attempts in a row (≥ 1): retry, and after how long, or give up. */
export function nextRetry(failures: number, policy: RetryPolicy, random: () => number): RetryDecision {
  if (failures > policy.retries) return { retry: false };
  return { retry: true, retryNumber: failures, delayMs: retryDelayMs(failures, policy, random) };
}

/** The longest the retries can take: every attempt lasting `attemptMs`, every delay at its ceiling. */
export function worstCaseWaitMs(policy: RetryPolicy, attemptMs: number): number {
  let total = (policy.retries + 1) * attemptMs;
  for (let retry = 1; retry <= policy.retries; retry++) total += retryCeilingMs(retry, policy);
  return total;
}
