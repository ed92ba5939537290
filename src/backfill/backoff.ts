/**
 * What to do about a failed batch, and how long to wait before the next attempt. Pure, so
 * the retry policy is tested with tables of cases instead of waiting on real time.
 */
import type { ConnectionTarget } from '../db/target.js';
import { RetriesExhaustedError, ToolkitError } from '../errors.js';
import { exponentialCeilingMs, fullJitterMs } from '../db/backoff.js';
import { isConnectionLoss, isTransient, sqlState, SQLSTATE, translatePgError } from '../db/pg-errors.js';
import { splitAfterTimeout, type ControllerState } from './controller.js';
import type { BackfillEvent } from './events.js';

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

export type RetryAction = Exclude<FailureAction, 'fatal'>;

export interface RetryPlan {
  /** The controller to retry with: halved after a timeout. */
  controller: ControllerState;
  delayMs: number;
  event: Extract<BackfillEvent, { event: 'retry' }>;
}

export interface FailedAttempt {
  error: unknown;
  action: RetryAction;
  /** Failures in a row, this one included. */
  attempt: number;
  maxRetries: number;
  controller: ControllerState;
  /** Called only when a delay is drawn. */
  random: () => number;
  runId: number;
  connection: ConnectionTarget;
  resumeCommand: string;
  /** For the message when the retries are spent: who failed ("a batch of run #3") and who stopped ("the run"). */
  who: string;
  stops: string;
}

/** What follows a failed attempt: the retry's size, wait and event; throws once the retries are spent. */
export function planRetry(failed: FailedAttempt): RetryPlan {
  const { error, action, attempt, runId } = failed;
  if (attempt > failed.maxRetries) {
    const translated = translatePgError(error, { connection: failed.connection, action: 'running a backfill batch' });
    throw new RetriesExhaustedError(
      `${failed.who} failed ${attempt} times in a row (last: ${translated.message}); ${failed.stops} stopped at its last checkpoint`,
      {
        hint: `Every committed batch is kept. Fix the cause (see above), then resume with: ${failed.resumeCommand}`,
        cause: error,
        details: { runId, sqlstate: sqlState(error) ?? null },
      },
    );
  }
  const controller = action === 'split' ? splitAfterTimeout(failed.controller) : failed.controller;
  // The first split retries at once: a smaller batch is the remedy, not waiting.
  const delayMs = action === 'split' && attempt === 1 ? 0 : backoffDelay(attempt, failed.random());
  return {
    controller,
    delayMs,
    event: {
      event: 'retry',
      runId,
      attempt,
      maxAttempts: failed.maxRetries,
      action,
      sqlstate: sqlState(error) ?? (error instanceof ToolkitError ? sqlState(error.cause) ?? null : null),
      message: error instanceof Error ? error.message : String(error),
      delayMs,
      batchSize: controller.size,
    },
  };
}
