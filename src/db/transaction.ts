/**
 * The one place a transaction is opened, committed and rolled back. Every BEGIN of the toolkit
 * goes through withTransaction, except the migration loader's, whose COMMIT node-pg-migrate
 * sends (src/migrate/loader.ts says why).
 */
import type { Queryable } from './port.js';

export interface TransactionOptions {
  /**
   * `snapshot`: REPEATABLE READ, READ ONLY — every statement sees the same snapshot and
   * PostgreSQL refuses any write (no transaction id is ever assigned).
   * `read-only`: READ COMMITTED, READ ONLY.
   * Default: read-write, at the session's default isolation.
   * The isolation of the first two is named in the BEGIN itself, not left to the session's
   * default: behind a transaction-mode pooler a session setting may belong to another client.
   */
  mode?: 'read-write' | 'read-only' | 'snapshot';
  /**
   * Settings local to the transaction (set_config(…, true)): the session's own settings stay as
   * the DBA configured them once it ends. Values are sent as parameters.
   */
  local?: Record<string, string>;
}

const BEGIN = {
  'read-write': 'BEGIN',
  'read-only': 'BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY',
  snapshot: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
} as const;

/** Settings for the rest of the open transaction (set_config(…, true)), in one statement. */
export async function setLocal(db: Queryable, settings: Record<string, string>): Promise<void> {
  const local = Object.entries(settings);
  if (local.length === 0) return;
  await db.query(`SELECT ${local.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ')}`, local.flat());
}

/**
 * Runs `work` in a transaction on `db`: COMMIT when it returns, ROLLBACK when it throws (the
 * error is rethrown as it was). On a dead connection ROLLBACK fails too; the server rolls the
 * transaction back itself when the session ends, so that failure is ignored.
 */
export async function withTransaction<T>(db: Queryable, work: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  await db.query(BEGIN[options.mode ?? 'read-write']);
  try {
    await setLocal(db, options.local ?? {});
    const result = await work(db);
    await db.query('COMMIT');
    return result;
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Runs `work` in a transaction that is always rolled back: for reading inside a READ ONLY
 * transaction whose only purpose is to guarantee that nothing is written (a dry run).
 */
export async function withRolledBackTransaction<T>(
  db: Queryable,
  work: (tx: Queryable) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const rollback = Symbol('rollback');
  let result: T | typeof rollback = rollback;
  try {
    await withTransaction(
      db,
      async (tx) => {
        result = await work(tx);
        throw rollback;
      },
      options,
    );
  } catch (error) {
    if (error !== rollback) throw error;
  }
  return result as T;
}
