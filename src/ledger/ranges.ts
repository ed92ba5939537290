/**
 * backfill_ranges: the ranges (of heap pages, or of keys) of each pass of a run, their positions and who works them.
 *
 * A range is claimed with `SELECT … FOR UPDATE SKIP LOCKED` on its row and owned through a
 * session advisory lock on (run, range). The row lock alone cannot be the ownership: it lasts
 * one transaction, and a range is worked in many short batch transactions, each of which
 * commits. A session advisory lock survives those commits and is released by PostgreSQL the
 * moment the owner's session ends — a lane that dies leaves its range claimable again,
 * checkpoint intact, with no lease to expire. The row lock still earns its place: concurrent
 * claimers skip each other's candidates instead of queueing on them.
 */
import { releaseAdvisoryLock, tryAdvisoryLock } from '../db/advisory-lock.js';
import { advisoryLockOwners } from '../db/lock-holders.js';
import type { Queryable } from '../db/port.js';
import { withTransaction } from '../db/transaction.js';
import type { Tables } from '../names.js';
import { RANGE_COLUMNS, toRange, type KeyRange, type PageRange, type RangePlan, type RangeRow } from './rows.js';

/** The advisory lock that owns one range of one run. */
function rangeLock(t: Pick<Tables, 'usages' | 'ranges'>, runId: number, rangeNo: number): string {
  return `aibridge-migrate backfill range ${t.ranges} ${t.usages} ${runId} ${rangeNo}`;
}

/** Appends ranges of `pass`, numbered after the run's last range: all key ranges or all page ranges. */
export async function insertRanges(
  db: Queryable,
  t: Pick<Tables, 'ranges'>,
  runId: number,
  pass: number,
  ranges: readonly RangePlan[],
): Promise<void> {
  const next = `(SELECT COALESCE(max(range_no) + 1, 0) AS next FROM ${t.ranges} WHERE run_id = $1) AS base`;
  if (ranges.every(isPageRange)) {
    await db.query(
      `INSERT INTO ${t.ranges} (run_id, range_no, pass, first_page, end_page, next_page, counted_to_page)
       SELECT $1, base.next + r.ord - 1, $2, r.first, r.last, r.first, r.first
         FROM ${next}, unnest($3::bigint[], $4::bigint[]) WITH ORDINALITY AS r(first, last, ord)`,
      [runId, pass, ranges.map((r) => r.first), ranges.map((r) => r.end)],
    );
    return;
  }
  const keys = ranges as readonly KeyRange[];
  await db.query(
    `INSERT INTO ${t.ranges} (run_id, range_no, pass, lo, hi)
     SELECT $1, base.next + r.ord - 1, $2, r.lo, r.hi
       FROM ${next}, unnest($3::uuid[], $4::uuid[]) WITH ORDINALITY AS r(lo, hi, ord)`,
    [runId, pass, keys.map((r) => r.lo), keys.map((r) => r.hi)],
  );
}

function isPageRange(range: RangePlan): range is PageRange {
  return 'first' in range;
}

/** Opens sweep `pass` over the whole table, cut into `ranges`. */
export async function openSweep(
  db: Queryable,
  t: Pick<Tables, 'runs' | 'ranges'>,
  runId: number,
  pass: number,
  ranges: readonly RangePlan[],
): Promise<void> {
  await withTransaction(db, async (tx) => {
    await insertRanges(tx, t, runId, pass, ranges);
    await tx.query(`UPDATE ${t.runs} SET convergence_passes = greatest(convergence_passes, $2), updated_at = now() WHERE id = $1`, [
      runId,
      pass,
    ]);
  });
}

/** Candidates looked at per claim: enough to get past ranges other lanes own. */
const CLAIM_CANDIDATES = 64;

/**
 * Claims the first pending range of the run (first pass before sweeps, then by number) that no
 * other session owns, for this session; null when there is none to claim.
 */
export async function claimRange(
  db: Queryable,
  t: Pick<Tables, 'usages' | 'ranges'>,
  runId: number,
  claimedBy: string,
): Promise<RangeRow | null> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query(
      `SELECT ${RANGE_COLUMNS} FROM ${t.ranges}
        WHERE run_id = $1 AND status = 'pending'
        ORDER BY pass, range_no
        LIMIT $2
          FOR UPDATE SKIP LOCKED`,
      [runId, CLAIM_CANDIDATES],
    );
    for (const row of rows) {
      // One at a time here, not in the WHERE clause: a lock function in WHERE may run on rows
      // the LIMIT then discards, and those locks would never be released.
      if (!(await tryAdvisoryLock(tx, rangeLock(t, runId, Number(row.range_no))))) continue;
      // The claim's time is the server's, as the ledger holds it (status shows it to people).
      const claimed = await tx.query(
        `UPDATE ${t.ranges} SET claimed_by = $3, claimed_at = now() WHERE run_id = $1 AND range_no = $2 RETURNING claimed_at`,
        [runId, row.range_no, claimedBy],
      );
      return toRange({ ...row, claimed_by: claimedBy, claimed_at: claimed.rows[0]!.claimed_at });
    }
    return null;
  });
}

/** Which session (backend pid) owns each of the run's ranges now; absent: nobody. */
export async function rangeOwners(
  db: Queryable,
  t: Pick<Tables, 'usages' | 'ranges'>,
  runId: number,
  rangeNos: readonly number[],
): Promise<Map<number, number>> {
  const owners = await advisoryLockOwners(
    db,
    rangeNos.map((no) => rangeLock(t, runId, no)),
  );
  return new Map(
    rangeNos.flatMap((no) => (owners.has(rangeLock(t, runId, no)) ? [[no, owners.get(rangeLock(t, runId, no))!] as [number, number]] : [])),
  );
}

/** The ranges of a run, every pass, in order. */
export async function runRanges(db: Queryable, t: Pick<Tables, 'ranges'>, runId: number): Promise<RangeRow[]> {
  const { rows } = await db.query(`SELECT ${RANGE_COLUMNS} FROM ${t.ranges} WHERE run_id = $1 ORDER BY pass, range_no`, [runId]);
  return rows.map(toRange);
}

/** Gives up ownership of a range (done with it, or stopping). */
export async function releaseRange(
  db: Queryable,
  t: Pick<Tables, 'usages' | 'ranges'>,
  range: Pick<RangeRow, 'runId' | 'rangeNo'>,
): Promise<void> {
  await releaseAdvisoryLock(db, rangeLock(t, range.runId, range.rangeNo));
}

/** What is left of a run for its lanes: its status, and how many of its ranges are pending. */
export interface RunWorkLeft {
  status: string;
  pendingRanges: number;
}

export async function runWorkLeft(db: Queryable, t: Pick<Tables, 'runs' | 'ranges'>, runId: number): Promise<RunWorkLeft> {
  const { rows } = await db.query(
    `SELECT r.status, (SELECT count(*) FROM ${t.ranges} AS g WHERE g.run_id = r.id AND g.status = 'pending')::int AS pending
       FROM ${t.runs} AS r WHERE r.id = $1`,
    [runId],
  );
  if (!rows[0]) throw new Error(`backfill run ${runId} vanished from the ledger`);
  return { status: rows[0].status, pendingRanges: Number(rows[0].pending) };
}

/** The ranges of the run's latest pass (at most a few hundred rows), in range order. */
export async function currentPassRanges(db: Queryable, t: Pick<Tables, 'ranges'>, runId: number): Promise<RangeRow[]> {
  const { rows } = await db.query(
    `SELECT ${RANGE_COLUMNS} FROM ${t.ranges}
      WHERE run_id = $1 AND pass = (SELECT max(pass) FROM ${t.ranges} WHERE run_id = $1)
      ORDER BY range_no`,
    [runId],
  );
  return rows.map(toRange);
}

/** Whether the run has a first pass (pass 0); a run that starts by counting has none until its count finds rows. */
export async function hasFirstPass(db: Queryable, t: Pick<Tables, 'ranges'>, runId: number): Promise<boolean> {
  const { rows } = await db.query(`SELECT EXISTS (SELECT 1 FROM ${t.ranges} WHERE run_id = $1 AND pass = 0) AS first`, [runId]);
  return rows[0]?.first === true;
}

export interface PassTotals {
  pass: number;
  rowsScanned: number;
  rowsUpdated: number;
}

/** Totals of the last pass that has any range, or null for a run with no ranges. */
export async function lastPass(db: Queryable, t: Pick<Tables, 'ranges'>, runId: number): Promise<PassTotals | null> {
  const { rows } = await db.query(
    `SELECT pass, sum(rows_scanned)::bigint AS scanned, sum(rows_updated)::bigint AS updated
       FROM ${t.ranges} WHERE run_id = $1 GROUP BY pass ORDER BY pass DESC LIMIT 1`,
    [runId],
  );
  return rows[0] ? { pass: Number(rows[0].pass), rowsScanned: Number(rows[0].scanned), rowsUpdated: Number(rows[0].updated) } : null;
}

/** The end of a page walk's pass: its ranges cover the heap's pages [0, end). */
export async function passEnd(db: Queryable, t: Pick<Tables, 'ranges'>, at: { runId: number; pass: number }): Promise<number> {
  const { rows } = await db.query(`SELECT COALESCE(max(end_page), 0) AS end FROM ${t.ranges} WHERE run_id = $1 AND pass = $2`, [
    at.runId,
    at.pass,
  ]);
  return Number(rows[0]!.end);
}
