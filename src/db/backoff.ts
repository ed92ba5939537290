/**
 * Exponential backoff with jitter, shared by every retry loop of the toolkit. Pure: the random
 * number is passed in. Each caller keeps its own policy — which failures it retries, how often,
 * with which base, cap and jitter.
 */

/** The ceiling of attempt `attempt` (1-based): min(cap, base * 2^(attempt-1)). */
export function exponentialCeilingMs(attempt: number, baseMs: number, capMs: number): number {
  // The exponent is bounded so that base * 2^n stays finite (Infinity * 0 would be NaN);
  // 2^60 is past any cap already.
  return Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 60));
}

function unit(random: number): number {
  return Math.min(Math.max(random, 0), 1);
}

/** "Full jitter": uniform in [0, ceiling]. Spreads clients the most. */
export function fullJitterMs(ceilingMs: number, random: number): number {
  return Math.floor(ceilingMs * unit(random));
}

/** "Equal jitter": uniform in [ceiling/2, ceiling], so a retry never follows a failure at once. */
export function equalJitterMs(ceilingMs: number, random: number): number {
  return Math.round(ceilingMs / 2 + unit(random) * (ceilingMs / 2));
}
