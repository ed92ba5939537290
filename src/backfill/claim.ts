/**
 * How parallel workers share a run, with PostgreSQL as the only coordinator.
 *
 * - The run lock (lock.ts) is taken in SHARED mode by every worker session: any number of
 *   worker processes may join, while the single runner, which takes it EXCLUSIVE, cannot start
 *   beside them (nor they beside it) and gets the "already running" answer.
 * - A range is claimed with `SELECT … FOR UPDATE SKIP LOCKED` on its ledger row, and owned
 *   through a session advisory lock on (run, range_no). The row lock alone cannot be the
 *   ownership: it lasts one transaction, and a range is worked in many short batch
 *   transactions, each of which commits. A session advisory lock survives those commits and
 *   is released by PostgreSQL the moment the worker's session ends — a worker that dies leaves
 *   its range claimable again, checkpoint intact, with no lease to expire. The row lock still
 *   earns its place: concurrent claimers skip each other's candidates instead of queueing on
 *   them, and a worker committing a batch of a range (which updates the range row) is skipped.
 * - Convergence (the count after a pass, the sweeps, marking the run completed) is done by
 *   whichever worker finds every range done and takes the convergence lock.
 */
import { toRange, type Queryable, type RangeRow } from './ledger.js';
import type { TableNames } from './sql.js';

/** Run-lock key for one table and state schema: the same key as the single runner's lock. */
export async function trySharedRunLock(db: Queryable, key: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock_shared($1::bigint) AS ok', [key]);
  return rows[0]!.ok === true;
}

/**
 * True when no OTHER session holds the run lock in any mode. A session's own locks never
 * conflict with its own requests, so the caller may hold the shared lock itself.
 */
export async function aloneOnRun(db: Queryable, key: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
  if (rows[0]!.ok !== true) return false;
  await db.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
  return true;
}

/** The text each per-run key is hashed from; two-int advisory keys live apart from bigint ones. */
export function runKeyText(names: TableNames, runId: number): string {
  return `aibridge-migrate backfill range ${names.ranges} ${names.usages} ${runId}`;
}

/** A bigint key derived from the run lock's key, for locks scoped to one table's backfill. */
async function derivedKey(db: Queryable, purpose: string, names: TableNames): Promise<string> {
  const { rows } = await db.query<{ key: string }>(`SELECT hashtextextended($1, 0)::text AS key`, [
    `aibridge-migrate backfill ${purpose} ${names.ranges} ${names.usages}`,
  ]);
  return rows[0]!.key;
}

export const setupLockKey = (db: Queryable, names: TableNames) => derivedKey(db, 'setup', names);
export const convergeLockKey = (db: Queryable, names: TableNames) => derivedKey(db, 'converge', names);

export async function tryLock(db: Queryable, key: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
  return rows[0]!.ok === true;
}

export async function unlock(db: Queryable, key: string): Promise<void> {
  await db.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
}

/** Candidates looked at per claim: enough to get past ranges other workers own. */
const CLAIM_CANDIDATES = 64;

/**
 * Claims one pending range of the run (keyed pass before sweeps) for this session, or returns
 * null when every pending range is owned by someone else (or none is left).
 */
export async function claimRange(db: Queryable, names: TableNames, runId: number, claimedBy: string): Promise<RangeRow | null> {
  const keyText = runKeyText(names, runId);
  await db.query('BEGIN');
  try {
    const { rows } = await db.query(
      `SELECT run_id, range_no, pass, lo::text AS lo, hi::text AS hi, checkpoint::text AS checkpoint, status, rows_scanned, rows_updated
         FROM ${names.ranges}
        WHERE run_id = $1 AND status = 'pending'
        ORDER BY pass, range_no
        LIMIT $2
          FOR UPDATE SKIP LOCKED`,
      [runId, CLAIM_CANDIDATES],
    );
    for (const row of rows) {
      // One at a time from here, not in the WHERE clause: a lock function in WHERE may run on
      // rows the LIMIT then discards, and those locks would never be released.
      const { rows: got } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), $2) AS ok', [keyText, row.range_no]);
      if (got[0]!.ok !== true) continue;
      await db.query(`UPDATE ${names.ranges} SET claimed_by = $3, claimed_at = now() WHERE run_id = $1 AND range_no = $2`, [runId, row.range_no, claimedBy]);
      await db.query('COMMIT');
      return toRange(row);
    }
    await db.query('COMMIT');
    return null;
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

export async function releaseRange(db: Queryable, names: TableNames, runId: number, rangeNo: number): Promise<void> {
  await db.query('SELECT pg_advisory_unlock(hashtext($1), $2)', [runKeyText(names, runId), rangeNo]);
}

export interface RunProgress {
  status: string;
  pendingRanges: number;
}

export async function runProgress(db: Queryable, names: TableNames, runId: number): Promise<RunProgress> {
  const { rows } = await db.query(
    `SELECT r.status, (SELECT count(*) FROM ${names.ranges} AS g WHERE g.run_id = r.id AND g.status = 'pending')::int AS pending
       FROM ${names.runs} AS r WHERE r.id = $1`,
    [runId],
  );
  if (!rows[0]) throw new Error(`backfill run ${runId} vanished from the ledger`);
  return { status: rows[0].status, pendingRanges: Number(rows[0].pending) };
}
