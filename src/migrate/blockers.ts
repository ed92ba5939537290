/**
 * Who is in the way when a lock is not granted.
 *
 * Asked right after the lock timeout fired, from the lock graph of the contended object, on
 * the same connection. Not pg_blocking_pids(our pid): once lock_timeout cancels our statement
 * we are no longer waiting, so it returns nothing; calling it while we wait would need a
 * second connection and a poll that can miss short waits. The lock graph answers reliably
 * instead: ACCESS EXCLUSIVE (ALTER TABLE, DROP COLUMN) conflicts with every lock mode, so every
 * other session that holds, or queues for, any lock on the table stands in front of us — and
 * that is exactly what the next attempt will meet. A holder that finished in between is simply
 * absent, which is the truth at that moment.
 */
import { qualify } from '../db/identifier.js';
import { advisoryLockHolders, relationLockHolders, type LockHolder } from '../db/lock-holders.js';
import type { Queryable } from '../db/port.js';
import { MIGRATION_LOCK_ID } from './bookkeeping.js';

/** Other sessions holding or awaiting a lock on `schema.table`. */
export function tableLockHolders(db: Queryable, schema: string, table: string): Promise<LockHolder[]> {
  return relationLockHolders(db, qualify(schema, table));
}

/** The session holding the toolkit's migration lock (another `up` or `down`). */
export function migrationLockHolders(db: Queryable): Promise<LockHolder[]> {
  return advisoryLockHolders(db, BigInt(MIGRATION_LOCK_ID));
}
