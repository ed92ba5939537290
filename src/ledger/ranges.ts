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
import { param, quoted, sql, unsafeRaw } from '../db/sql.js';
import { withTransaction } from '../db/transaction.js';
import type { Tables } from '../names.js';
import { RANGE_COLUMNS as COLUMN_LIST, toRange, type KeyRange, type PageRange, type RangePlan, type RangeRow } from './rows.js';

const RANGE_COLUMNS = unsafeRaw(COLUMN_LIST);

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
  const run = param(runId);
  const table = quoted(t.ranges);
  const next = sql`(SELECT COALESCE(max(range_no) + 1, 0) AS next FROM ${table} WHERE run_id = ${run}) AS base`;
  let insert;
  if (ranges.every(isPageRange)) {
    insert = sql`INSERT INTO ${table} (run_id, range_no, pass, first_page, end_page, next_page, counted_to_page)
       SELECT ${run}, base.next + r.ord - 1, ${pass}, r.first, r.last, r.first, r.first
         FROM ${next}, unnest(${ranges.map((r) => r.first)}::bigint[], ${ranges.map((r) => r.end)}::bigint[]) WITH ORDINALITY AS r(first, last, ord)`;
  } else {
    const keys = ranges as readonly KeyRange[];
    insert = sql`INSERT INTO ${table} (run_id, range_no, pass, lo, hi)
     SELECT ${run}, base.next + r.ord - 1, ${pass}, r.lo, r.hi
       FROM ${next}, unnest(${keys.map((r) => r.lo)}::uuid[], ${keys.map((r) => r.hi)}::uuid[]) WITH ORDINALITY AS r(lo, hi, ord)`;
  }
  await db.query(insert.text, insert.values);
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
    const passes = sql`UPDATE ${quoted(t.runs)} SET convergence_passes = greatest(convergence_passes, ${pass}), updated_at = now() WHERE id = ${runId}`;
    await tx.query(passes.text, passes.values);
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
    const candidates = sql`SELECT ${RANGE_COLUMNS} FROM ${quoted(t.ranges)}
        WHERE run_id = ${runId} AND status = 'pending'
        ORDER BY pass, range_no
        LIMIT ${CLAIM_CANDIDATES}
          FOR UPDATE SKIP LOCKED`;
    const { rows } = await tx.query(candidates.text, candidates.values);
    for (const row of rows) {
      // One at a time here, not in the WHERE clause: a lock function in WHERE may run on rows
      // the LIMIT then discards, and those locks would never be released.
      if (!(await tryAdvisoryLock(tx, rangeLock(t, runId, Number(row.range_no))))) continue;
      // The claim's time is the server's, as the ledger holds it (status shows it to people).
      const claim = sql`UPDATE ${quoted(t.ranges)} SET claimed_by = ${claimedBy}, claimed_at = now()
          WHERE run_id = ${runId} AND range_no = ${row.range_no} RETURNING claimed_at`;
      const claimed = await tx.query(claim.text, claim.values);
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
  const all = sql`SELECT ${RANGE_COLUMNS} FROM ${quoted(t.ranges)} WHERE run_id = ${runId} ORDER BY pass, range_no`;
  const { rows } = await db.query(all.text, all.values);
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
  const left = sql`SELECT r.status, (SELECT count(*) FROM ${quoted(t.ranges)} AS g WHERE g.run_id = r.id AND g.status = 'pending')::int AS pending
       FROM ${quoted(t.runs)} AS r WHERE r.id = ${runId}`;
  const { rows } = await db.query(left.text, left.values);
  if (!rows[0]) throw new Error(`backfill run ${runId} vanished from the ledger`);
  return { status: rows[0].status, pendingRanges: Number(rows[0].pending) };
}

/** The locks that own the run's pending ranges, the first `limit` in claim order: what a lane with nothing to claim waits for. */
export async function pendingRangeLocks(
  db: Queryable,
  t: Pick<Tables, 'usages' | 'ranges'>,
  runId: number,
  limit: number,
): Promise<string[]> {
  const pending = sql`SELECT range_no FROM ${quoted(t.ranges)} WHERE run_id = ${runId} AND status = 'pending' ORDER BY pass, range_no LIMIT ${limit}`;
  const { rows } = await db.query<{ range_no: number }>(pending.text, pending.values);
  return rows.map((r) => rangeLock(t, runId, Number(r.range_no)));
}

/** The ranges of the run's latest pass (at most a few hundred rows), in range order. */
export async function currentPassRanges(db: Queryable, t: Pick<Tables, 'ranges'>, runId: number): Promise<RangeRow[]> {
  const run = param(runId);
  const current = sql`SELECT ${RANGE_COLUMNS} FROM ${quoted(t.ranges)}
      WHERE run_id = ${run} AND pass = (SELECT max(pass) FROM ${quoted(t.ranges)} WHERE run_id = ${run})
      ORDER BY range_no`;
  const { rows } = await db.query(current.text, current.values);
  return rows.map(toRange);
}

/** Whether the run has a first pass (pass 0); a run that starts by counting has none until its count finds rows. */
export async function hasFirstPass(db: Queryable, t: Pick<Tables, 'ranges'>, runId: number): Promise<boolean> {
  const first = sql`SELECT EXISTS (SELECT 1 FROM ${quoted(t.ranges)} WHERE run_id = ${runId} AND pass = 0) AS first`;
  const { rows } = await db.query(first.text, first.values);
  return rows[0]?.first === true;
}

export interface PassTotals {
  pass: number;
  rowsScanned: number;
  rowsUpdated: number;
}

/** Totals of the last pass that has any range, or null for a run with no ranges. */
export async function lastPass(db: Queryable, t: Pick<Tables, 'ranges'>, runId: number): Promise<PassTotals | null> {
  const last = sql`SELECT pass, sum(rows_scanned)::bigint AS scanned, sum(rows_updated)::bigint AS updated
       FROM ${quoted(t.ranges)} WHERE run_id = ${runId} GROUP BY pass ORDER BY pass DESC LIMIT 1`;
  const { rows } = await db.query(last.text, last.values);
  return rows[0] ? { pass: Number(rows[0].pass), rowsScanned: Number(rows[0].scanned), rowsUpdated: Number(rows[0].updated) } : null;
}

/** The end of a page walk's pass: its ranges cover the heap's pages [0, end). */
export async function passEnd(db: Queryable, t: Pick<Tables, 'ranges'>, at: { runId: number; pass: number }): Promise<number> {
  const end = sql`SELECT COALESCE(max(end_page), 0) AS end FROM ${quoted(t.ranges)} WHERE run_id = ${at.runId} AND pass = ${at.pass}`;
  const { rows } = await db.query(end.text, end.values);
  return Number(rows[0]!.end);
}
