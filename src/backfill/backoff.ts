/**
 * What to do about a failed batch, and how long to wait before the next attempt. Pure, so
 * the retry policy is tested with tables of cases instead of waiting on real time.
 */
import { ToolkitError } from '../errors.js';
import { exponentialCeilingMs, fullJitterMs } from '../db/backoff.js';
import { isConnectionLoss, isTransient, sqlState, SQLSTATE } from '../db/pg-errors.js';

export type FailureAction =
  /** statement_timeout or lock_timeout: retry the batch with half the rows. */
  | 'split'
  /** The session is gone: reconnect (and take the runner lock again), then retry. */
  | 'reconnect'
  /** Serialization failure, deadlock, too many connections: wait, retry on the same session. */
  | 'retry'
  /** Anything else: stop now, retrying cannot help. */
  | 'fatal';

export function classifyFailure(raw: unknown): FailureAction {
  // connect() wraps what it met in a ConnectionError; judge by what it met (an unreachable
  // server is worth retrying, a wrong password is not).
  const error = raw instanceof ToolkitError ? (raw.code === 'CONNECTION' && raw.cause !== undefined ? raw.cause : undefined) : raw;
  if (error === undefined) return 'fatal';
  if (isConnectionLoss(error)) return 'reconnect';
  const state = sqlState(error);
  if (state === SQLSTATE.queryCanceled || state === SQLSTATE.lockNotAvailable) return 'split';
  if (isTransient(error)) return 'retry';
  return 'fatal';
}

export interface BackoffSettings {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 250, capMs: 15_000 };

/**
 * "Full jitter" exponential backoff: a uniform delay in [0, min(cap, base * 2^(attempt-1))].
 * Jitter keeps a restarted primary from being hit by every client at the same instant.
 * `random` is a value in [0, 1).
 */
export function backoffDelay(attempt: number, random: number, settings: BackoffSettings = DEFAULT_BACKOFF): number {
  return fullJitterMs(exponentialCeilingMs(attempt, settings.baseMs, settings.capMs), random);
}
