/**
 * The end of a pass: is anything left to write, and does another sweep follow? The count walks
 * the whole table a chunk per statement (stretches of heap pages from PostgreSQL 14, the next
 * keys before), each in a short read-only transaction of its own and each as short as a batch —
 * no statement reads the whole table, so none holds a snapshot (and with it vacuum's horizon)
 * for long.
 *
 * What it proves is what a batch proves: each row was looked at, at some instant of the walk,
 * and found with nothing left to write. A row inserted or changed behind the walk after its
 * chunk was counted is found by the next run, exactly as one inserted after a single-snapshot
 * count would be (countWalk says what a row moved by an update does to the page walk).
 */
import type { Connector, Queryable } from '../../db/port.js';
import { withTransaction } from '../../db/transaction.js';
import { lastPass } from '../../ledger/ranges.js';
import { recordRowsAtStart } from '../../ledger/runs.js';
import type { Tables } from '../../names.js';
import type { Clock, Log } from '../../runtime.js';
import type { BackfillEvent } from '../events.js';
import type { BatchSizer } from '../policy/controller.js';
import type { DirectionOps } from '../sql/direction.js';
import { countChunkSettings, type CountWindow } from '../sql/count-window.js';
import { readServerVersion, TID_RANGE_SCAN_VERSION } from '../../db/server-version.js';
import { heapPages } from './server-facts.js';

export interface CountTotals {
  /** Rows a sweep would still write. */
  eligible: number;
  /** Rows created before the run began. */
  existed: number;
  /** Reverse: rows that need reversing but cannot be. */
  unreversible: number;
}

export interface CountWalk {
  ops: DirectionOps;
  tables: Tables;
  /** The lane's batch sizes (a key batch's, or a page walk's judges'): a chunk is counted like a batch reads. */
  sizer: BatchSizer;
  runStartedAt: Date;
  clock: Clock;
  stop: AbortSignal;
  /**
   * Opens a second session for the page count (pageCount); absent: the lane's session counts
   * alone (a rate-limited run, which asked to be gentle).
   */
  helper?: Connector | undefined;
  /** Where the helper's failure is told (debug: the count goes on without it). */
  log: Pick<Log, 'debug'>;
}

/** A chunk of the page count. */
type PageChunk = Extract<CountWindow, { by: 'page' }>;

/** Pages of the first chunk, before any chunk has shown how many rows a page holds. */
const FIRST_CHUNK_PAGES = 64;

/**
 * Counts the whole table chunk by chunk, each chunk sized like a batch (the lane's sizer); null
 * when stopped half way (nothing was written). On PostgreSQL 14 and newer the chunks are
 * stretches of heap pages, read in physical order, and with `walk.helper` by two sessions at
 * once (pageCount); before, the next rows in key order, one chunk after another. A row an
 * update moves to a page the walk has passed is counted by the next run (like any row changed
 * after its chunk was counted); one moved ahead may be counted twice, which only makes the count
 * a little high.
 */
export async function countWalk(db: Queryable, walk: CountWalk): Promise<CountTotals | null> {
  const totals: CountTotals = { eligible: 0, existed: 0, unreversible: 0 };
  const chunk = async (on: Queryable, window: CountWindow): Promise<{ scanned: number; lastId: string | null }> => {
    const statement = walk.ops.count(walk.tables.usages, window);
    const started = walk.clock.now();
    const { rows } = await withTransaction(on, (tx) => tx.query(statement.text, statement.values), {
      mode: 'read-only',
      local: countChunkSettings(window),
    });
    const counted = rows[0]!;
    const scanned = Number(counted.scanned);
    totals.eligible += Number(counted.eligible);
    totals.existed += Number(counted.existed);
    totals.unreversible += Number(counted.unreversible);
    walk.sizer.observe({ rows: scanned, ms: walk.clock.now() - started });
    return { scanned, lastId: (counted.last_id as string | null) ?? null };
  };
  if ((await readServerVersion(db)).num >= TID_RANGE_SCAN_VERSION) {
    return (await pageCount(db, walk, (on, window) => chunk(on, window).then((c) => c.scanned))) ? totals : null;
  }
  for (let lo: string | null = null; ;) {
    if (walk.stop.aborted) return null;
    const size = walk.sizer.size;
    const { scanned, lastId } = await chunk(db, { by: 'key', lo, size, existedBefore: walk.runStartedAt });
    if (scanned < size) return totals;
    lo = lastId;
  }
}

/**
 * The page count's chunks, taken in heap order by the lane's session and, with `walk.helper`,
 * by a second session at once: the server reads on two cores, and a new backend's first read of
 * each page (it maps that part of shared buffers then) costs each session only its half. Pages
 * the table grew by during the walk are counted too: a session that finds no stretch left reads
 * the heap's size again, so the last one to finish has looked last. False when stopped.
 *
 * The helper only reads, in transactions of its own; it holds no lock and writes nothing. If it
 * cannot connect or a chunk of its fails, it stops and the lane's session counts that chunk and
 * the rest on its own, as without it; a failure of the lane's session stops the helper and is
 * the count's.
 */
async function pageCount(db: Queryable, walk: CountWalk, count: (on: Queryable, window: CountWindow) => Promise<number>): Promise<boolean> {
  let end = await heapPages(db, walk.tables.usages);
  let pages = FIRST_CHUNK_PAGES;
  let next = 0;
  /** Chunks a failed helper took and did not count. */
  const handedBack: PageChunk[] = [];
  let failed = false;
  const take = (): PageChunk | null => {
    const back = handedBack.shift();
    if (back) return back;
    if (next >= end) return null;
    const to = Math.min(end, next + pages);
    const window: PageChunk = { by: 'page', from: next, to, existedBefore: walk.runStartedAt };
    next = to;
    return window;
  };
  const alone = (error: unknown) => {
    walk.log.debug(`the count's second session stopped (${error instanceof Error ? error.message : String(error)}): counting on one`);
  };
  const reader = async (on: Queryable, isHelper: boolean): Promise<void> => {
    for (;;) {
      if (walk.stop.aborted || failed) return;
      let window = take();
      if (window === null) {
        // Nothing left as far as this session knows: did the table grow meanwhile?
        end = Math.max(end, await heapPages(on, walk.tables.usages));
        window = take();
        if (window === null) return;
      }
      try {
        const scanned = await count(on, window);
        // The controller sizes chunks in rows; this chunk says how many rows a page holds.
        pages = Math.max(1, Math.round(walk.sizer.size / Math.max(1, scanned / (window.to - window.from))));
      } catch (error) {
        if (!isHelper) throw error;
        handedBack.push(window);
        alone(error);
        return;
      }
    }
  };
  // The lane's session starts at once; the helper joins when connected.
  const helping = (async () => {
    if (!walk.helper) return;
    const helper = await walk.helper().catch((error: unknown) => {
      alone(error);
      return null;
    });
    if (!helper) return;
    await reader(helper, true)
      .catch(alone)
      .finally(() => helper.end().catch(() => {}));
  })();
  try {
    await reader(db, false);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await helping;
  }
  // The helper may have handed a chunk back after the lane's session had finished.
  if (handedBack.length > 0 && !walk.stop.aborted) await reader(db, false);
  return !walk.stop.aborted;
}

export interface PassVerdict {
  /** Rows still eligible in the whole table. */
  remaining: number;
  /** Reverse: rows that need reversing but cannot be. */
  unreversible: number;
  converged: boolean;
  /** The pass to open next (0 only after a count-first start); null when the run is over. */
  next: number | null;
}

/**
 * Judges the run's last pass and emits the `converge` event; null when stopped during the
 * count. The count of a run that starts by counting (it follows a completed run) also measures
 * the rows that existed when it began.
 */
export async function judgePass(
  db: Queryable,
  walk: CountWalk,
  run: { id: number; convergePasses: number; firstCountCountsRowsAtStart: boolean },
  sink: (event: BackfillEvent) => void,
): Promise<PassVerdict | null> {
  const last = await lastPass(db, walk.tables, run.id);
  const pass = last?.pass ?? 0;
  const totals = await countWalk(db, walk);
  if (totals === null) return null;
  // No pass yet: the run began with this count; what it finds opens the first pass, and sweeps
  // follow that as in any run.
  if (last === null && run.firstCountCountsRowsAtStart) await recordRowsAtStart(db, walk.tables, run.id, totals.existed);
  const remaining = totals.eligible;
  const converged = remaining === 0;
  const next = converged ? null : last === null ? 0 : pass < run.convergePasses ? pass + 1 : null;
  sink({
    event: 'converge',
    runId: run.id,
    pass,
    rowsScanned: last?.rowsScanned ?? 0,
    rowsUpdated: last?.rowsUpdated ?? 0,
    eligibleRemaining: remaining,
    converged,
    nextPass: next,
  });
  return { remaining, unreversible: totals.unreversible, converged, next };
}
