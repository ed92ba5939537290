/**
 * What to do about a failed batch (or a failed reconnection), and how long to wait before the
 * next attempt. Pure, so the policy is tested with tables of cases instead of real time.
 */
import { RetriesExhaustedError, ToolkitError } from '../../errors.js';
import { isConnectionLoss, isTransient, sqlState, SQLSTATE, translatePgError, type TranslateContext } from '../../db/pg-errors.js';
import { nextRetry, type RetryPolicy } from '../../retry-policy.js';

export type FailureAction =
  /** statement_timeout or lock_timeout: retry the batch with half the rows. */
  | 'split'
  /** The session is gone: reconnect (and take the run lock again), then retry. */
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

/** The backfill's retries: full jitter, from a quarter of a second up to 15 s. */
export function batchRetryPolicy(maxRetries: number): RetryPolicy {
  return { retries: maxRetries, baseDelayMs: 250, maxDelayMs: 15_000, jitter: 'full' };
}

export type RetryAction = Exclude<FailureAction, 'fatal'>;

/** The `retry` progress event (src/backfill/events.ts): a failed attempt about to be retried. */
export interface RetryEvent {
  event: 'retry';
  runId: number;
  attempt: number;
  maxAttempts: number;
  action: RetryAction;
  sqlstate: string | null;
  message: string;
  delayMs: number;
  batchSize: number;
}

export interface RetryPlan {
  delayMs: number;
  event: RetryEvent;
}

export interface FailedAttempt {
  error: unknown;
  action: RetryAction;
  /** Failures in a row, this one included. */
  attempt: number;
  policy: RetryPolicy;
  /** Rows the retry covers (after a timeout the caller has halved its batch size). */
  batchSize: number;
  random: () => number;
  runId: number;
  /** Names the database in the message when the retries are spent. */
  context: TranslateContext;
  /** Who failed, for the message when the retries are spent ("lane 2 of run #3"). */
  who: string;
}

/** What follows a failed attempt: the retry's size, wait and event; throws once the retries are spent. */
export function planRetry(failed: FailedAttempt): RetryPlan {
  const { error, action, attempt, runId } = failed;
  const decision = nextRetry(attempt, failed.policy, failed.random);
  if (!decision.retry) {
    const translated = translatePgError(error, { ...failed.context, action: 'running a backfill batch' });
    throw new RetriesExhaustedError(
      `${failed.who} failed ${attempt} times in a row (last: ${translated.message}); the run stopped at its last checkpoint`,
      {
        // The run's result adds how to resume (run/finish.ts).
        hint: 'Every committed batch is kept. Fix the cause (see above).',
        cause: error,
        details: { runId, sqlstate: sqlState(error) ?? null },
      },
    );
  }
  // The first split retries at once: a smaller batch is the remedy, not waiting.
  const delayMs = action === 'split' && attempt === 1 ? 0 : decision.delayMs;
  return {
    delayMs,
    event: {
      event: 'retry',
      runId,
      attempt,
      maxAttempts: failed.policy.retries,
      action,
      sqlstate: sqlState(error) ?? (error instanceof ToolkitError ? (sqlState(error.cause) ?? null) : null),
      message: error instanceof Error ? error.message : String(error),
      delayMs,
      batchSize: failed.batchSize,
    },
  };
}
