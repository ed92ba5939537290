/**
 * The wal_compression a run's steps set (--wal-compression): planned from the server's setting
 * (policy/wal-compression.ts), then tried once, before the run takes its lock.
 */
import { SQLSTATE, sqlState } from '../../db/pg-errors.js';
import type { Queryable } from '../../db/port.js';
import { setLocal, withRolledBackTransaction } from '../../db/transaction.js';
import { PermissionError, PreflightError } from '../../errors.js';
import { planWalCompression, type WalCompressionMode } from '../policy/wal-compression.js';
import { walCompressionFacts } from './server-facts.js';

export interface RunWalCompression {
  /** What every step sets; null: the server's own setting applies. */
  set: string | null;
  /** Why nothing is set, for the run's start event; null when something is. */
  why: string | null;
}

const GRANT_HINT =
  'wal_compression is a superuser setting: connect as a superuser, or (PostgreSQL 15+) run `GRANT SET ON PARAMETER wal_compression TO <role>`; or pass --wal-compression auto or off.';

export async function runWalCompression(db: Queryable, mode: WalCompressionMode): Promise<RunWalCompression> {
  const facts = await walCompressionFacts(db);
  const plan = planWalCompression(mode, facts);
  if (plan.set === null) {
    if (mode === 'auto' || mode === 'off') return { set: null, why: plan.why };
    throw new PreflightError(`--wal-compression ${mode}: ${plan.why}`, {
      hint: 'Pass --wal-compression auto (lz4 where the server has it) or off.',
    });
  }
  if (await maySet(db, plan.set)) return { set: plan.set, why: null };
  if (mode !== 'auto') throw new PermissionError(`--wal-compression ${mode}: this role may not set wal_compression`, { hint: GRANT_HINT });
  return { set: null, why: 'this role may not set wal_compression (superuser, or GRANT SET ON PARAMETER wal_compression on 15+)' };
}

/**
 * Tried in a transaction rolled back at once: superuser, a GRANT SET ON PARAMETER (15+) or a
 * managed service's own rules may allow it, and the catalog tells only some of them.
 */
async function maySet(db: Queryable, value: string): Promise<boolean> {
  try {
    await withRolledBackTransaction(db, (tx) => setLocal(tx, { wal_compression: value }));
    return true;
  } catch (error) {
    if (sqlState(error) === SQLSTATE.insufficientPrivilege) return false;
    throw error;
  }
}
