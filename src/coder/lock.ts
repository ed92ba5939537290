/**
 * Coder's migration lock, taken the way Coder's runner takes it: pg_advisory_xact_lock inside
 * the transaction that changes the schema, released by its COMMIT or ROLLBACK. Holding it, the
 * toolkit's change and a Coder server migrating at the same instant cannot interleave: one runs
 * wholly before the other.
 *
 * The wait is bounded by the session's lock_timeout like the ALTER's: an advisory lock is a
 * heavyweight lock ("other database object" in the lock_timeout documentation), so a wait past
 * lock_timeout fails with SQLSTATE 55P03. That failure is rethrown as CoderLockTimeoutError so
 * the retry loop knows whom to name (the holder of Coder's key, not the table's lockers).
 */
import { advisoryTransactionLock } from '../db/advisory-lock.js';
import { advisoryLockHolders, type LockHolder } from '../db/lock-holders.js';
import { sqlState, SQLSTATE } from '../db/pg-errors.js';
import type { Queryable } from '../db/port.js';
import { LockTimeoutError } from '../errors.js';
import { CODER_MIGRATION_LOCK_KEY } from './constants.js';

export class CoderLockTimeoutError extends LockTimeoutError {
  constructor(cause: unknown) {
    super(
      `Coder's migration lock (advisory key ${CODER_MIGRATION_LOCK_KEY}) was not granted within lock_timeout: a Coder server is applying its migrations`,
      {
        cause,
        details: { lock: 'coder_migration_lock', key: CODER_MIGRATION_LOCK_KEY.toString() },
      },
    );
  }
}

export function isCoderLockTimeout(error: unknown): error is CoderLockTimeoutError {
  return error instanceof CoderLockTimeoutError;
}

/** Waits (at most lock_timeout) for Coder's migration lock, for the rest of the transaction. */
export async function takeCoderMigrationLock(db: Queryable): Promise<void> {
  try {
    await advisoryTransactionLock(db, CODER_MIGRATION_LOCK_KEY);
  } catch (error) {
    if (sqlState(error) === SQLSTATE.lockNotAvailable) throw new CoderLockTimeoutError(error);
    throw error;
  }
}

/** The sessions holding Coder's migration lock: Coder servers applying their migrations. */
export async function coderLockHolders(db: Queryable): Promise<LockHolder[]> {
  return advisoryLockHolders(db, CODER_MIGRATION_LOCK_KEY);
}
