/**
 * The one place a transaction is opened, committed and rolled back. Every BEGIN of the toolkit
 * goes through withTransaction, except the migration loader's, whose COMMIT node-pg-migrate
 * sends (src/migrate/loader.ts says why).
 */
import type { Queryable } from './port.js';
import { join, sql } from './sql.js';

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
   * With `snapshot`: the name of a snapshot another transaction exported (pg_export_snapshot),
   * imported as the transaction's first statement, so it sees exactly what that one sees.
   */
  importSnapshot?: string;
  /**
   * Settings local to the transaction (set_config(…, true)): the session's own settings stay as
   * the DBA configured them once it ends. Values are sent as parameters.
   */
  local?: Record<string, string>;
}

/** The names pg_export_snapshot() gives: hex groups and dashes. */
const SNAPSHOT_NAME = /^[0-9A-Fa-f]+(-[0-9A-Fa-f]+)*$/;

const BEGIN = {
  'read-write': 'BEGIN',
  'read-only': 'BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY',
  snapshot: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
} as const;

/** Settings for the rest of the open transaction (set_config(…, true)), in one statement. */
export async function setLocal(db: Queryable, settings: Record<string, string>): Promise<void> {
  const local = Object.entries(settings);
  if (local.length === 0) return;
  const set = sql`SELECT ${join(
    local.map(([name, value]) => sql`set_config(${name}, ${value}, true)`),
    ', ',
  )}`;
  await db.query(set.text, set.values);
}

/**
 * Runs `work` in a transaction on `db`: COMMIT when it returns, ROLLBACK when it throws (the
 * error is rethrown as it was). On a dead connection ROLLBACK fails too; the server rolls the
 * transaction back itself when the session ends, so that failure is ignored.
 */
export async function withTransaction<T>(db: Queryable, work: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const imported = options.importSnapshot;
  if (imported !== undefined && (options.mode !== 'snapshot' || !SNAPSHOT_NAME.test(imported))) {
    throw new TypeError(`cannot import snapshot ${JSON.stringify(imported)} (only a server-made name, into a snapshot transaction)`);
  }
  await db.query(BEGIN[options.mode ?? 'read-write']);
  try {
    // A utility statement takes no parameters: the name is checked above to be one the server makes.
    if (imported !== undefined) await db.query(`SET TRANSACTION SNAPSHOT '${imported}'`);
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

/**
 * Runs `work` inside a savepoint of the open transaction: released when it returns, rolled
 * back to when it throws (the error is rethrown), so a failed statement leaves the transaction
 * — and its snapshot — usable. A savepoint of a READ ONLY transaction assigns no transaction id.
 */
export async function withSavepoint<T>(db: Queryable, work: (tx: Queryable) => Promise<T>): Promise<T> {
  await db.query('SAVEPOINT aibridge_migrate');
  try {
    const result = await work(db);
    await db.query('RELEASE SAVEPOINT aibridge_migrate');
    return result;
  } catch (error) {
    await db.query('ROLLBACK TO SAVEPOINT aibridge_migrate').catch(() => {});
    throw error;
  }
}
