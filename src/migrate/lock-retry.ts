/**
 * Runs an attempt again while it fails only because a lock was not granted: lock_timeout
 * (SQLSTATE 55P03) on a table or on Coder's migration lock, or the migration lock held by
 * another `up`/`down`. Anything
 * else is not retried. Before each retry the holders are looked up and logged.
 */
import { isCoderLockTimeout } from '../coder/lock.js';
import { isToolkitError } from '../errors.js';
import { sqlState, SQLSTATE } from '../db/pg-errors.js';
import { nextRetry, type RetryPolicy } from '../retry-policy.js';
import type { LockHolder } from '../db/lock-holders.js';
import { describeLockHolders } from '../db/lock-holders.js';
import { isMigrationLockHeld } from './runner.js';

export type LockConflictKind = 'lock_timeout' | 'deadlock' | 'migration_lock' | 'coder_lock';

export interface LockWait {
  /** 1-based attempt that was refused. */
  attempt: number;
  kind: LockConflictKind;
  blockers: LockHolder[];
  /** Delay before the next attempt; null when the budget was spent. */
  retryInMs: number | null;
}

export function lockConflictKind(error: unknown): LockConflictKind | undefined {
  if (isMigrationLockHeld(error)) return 'migration_lock';
  if (isCoderLockTimeout(error)) return 'coder_lock';
  if (sqlState(error) === SQLSTATE.lockNotAvailable) return 'lock_timeout';
  // down holds SHARE while it counts, then asks for ACCESS EXCLUSIVE: a reader that then
  // tries to write deadlocks with it, and PostgreSQL may pick us as the victim. Our
  // transaction was rolled back, so trying again is as safe as after a lock timeout.
  if (sqlState(error) === SQLSTATE.deadlockDetected) return 'deadlock';
  if (isToolkitError(error) && error.code === 'LOCK_TIMEOUT') return 'lock_timeout';
  return undefined;
}

export interface LockRetryDeps {
  policy: RetryPolicy;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Who holds what we need, looked up right after the refusal. */
  findBlockers: (kind: LockConflictKind) => Promise<LockHolder[]>;
  onWait?: (wait: LockWait, summary: string) => void;
}

export type LockRetryOutcome<T> =
  | { status: 'ok'; value: T; attempts: number; waits: LockWait[] }
  | { status: 'exhausted'; attempts: number; waits: LockWait[]; lastError: unknown };

export async function withLockRetries<T>(attempt: () => Promise<T>, deps: LockRetryDeps): Promise<LockRetryOutcome<T>> {
  const waits: LockWait[] = [];
  for (let n = 1; ; n++) {
    try {
      return { status: 'ok', value: await attempt(), attempts: n, waits };
    } catch (error) {
      const kind = lockConflictKind(error);
      if (!kind) throw error;
      const blockers = await deps.findBlockers(kind).catch(() => []);
      const decision = nextRetry(n, deps.policy, deps.random);
      const wait: LockWait = { attempt: n, kind, blockers, retryInMs: decision.retry ? decision.delayMs : null };
      waits.push(wait);
      const what = {
        lock_timeout: 'lock not granted within lock_timeout',
        deadlock: 'deadlock with another session (PostgreSQL cancelled our side)',
        migration_lock: 'another aibridge-migrate run holds the migration lock',
        coder_lock: "a Coder server holds Coder's migration lock (it is applying its migrations)",
      }[kind];
      const next = decision.retry
        ? `retry ${decision.retryNumber} of ${deps.policy.retries} in ${(decision.delayMs / 1000).toFixed(1)} s`
        : 'no retries left';
      deps.onWait?.(wait, `attempt ${n}: ${what}; blocked by ${describeLockHolders(blockers)}; ${next}`);
      if (!decision.retry) return { status: 'exhausted', attempts: n, waits, lastError: error };
      await deps.sleep(decision.delayMs);
    }
  }
}

/** The JSON shape of a lock wait (the `lock_waits` of --json output and of a lock error's details). */
function blockerJson(b: LockHolder) {
  return {
    pid: b.pid,
    user: b.user,
    application_name: b.applicationName,
    client_addr: b.clientAddr,
    state: b.state,
    xact_age_ms: b.xactAgeMs,
    state_age_ms: b.stateAgeMs,
    modes: b.modes,
    granted: b.granted,
  };
}

export function lockWaitJson(w: LockWait) {
  return { attempt: w.attempt, kind: w.kind, retry_in_ms: w.retryInMs, blockers: w.blockers.map(blockerJson) };
}
