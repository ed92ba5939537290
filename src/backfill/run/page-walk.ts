/**
 * The page walk (PostgreSQL 14 and newer): a range of heap pages is worked a window at a time.
 * A window is first read — judged — in short transactions (TID range scans, in page order),
 * which count what they see into the ledger and collect the rows to write; then it is written
 * in rounds, each a short transaction writing two rows per page, or one under a rate limit
 * (src/backfill/sql/page-walk.ts and policy/rounds.ts say why). A window's pages
 * are all written within the few seconds its rounds take, then the walk moves on and never comes
 * back in this pass. A single lane judges the next window on a second session while this one's
 * rounds write (read-ahead.ts).
 *
 * Exact counts across a crash: a judge's counts commit with the position `counted_to_page`,
 * so pages before it are never counted again. The rows a window still has to write live only
 * in this process; a range resumed from its ledger row reads the pages between `next_page` and
 * `counted_to_page` again — without counting them — to find which of their rows are still
 * left (a row already written no longer qualifies).
 */
import type { PageSpan } from '../../db/page-span.js';
import type { Queryable } from '../../db/port.js';
import type { Sql } from '../../db/sql.js';
import { withTransaction } from '../../db/transaction.js';
import { recordBatch, recordBatchWith, type RangePosition } from '../../ledger/checkpoint.js';
import { recordMovedRows } from '../../ledger/moved-rows.js';
import { passEnd } from '../../ledger/ranges.js';
import type { PageProgress, RangeRow } from '../../ledger/rows.js';
import type { BatchSizer } from '../policy/controller.js';
import { readAheadPays } from '../policy/read-ahead.js';
import {
  aheadJudgePages,
  judgePages,
  RoundQueue,
  rowsPerPageInRound,
  windowPages,
  type RoundKind,
  type WindowBound,
  type WindowPlan,
} from '../policy/rounds.js';
import { readJudgement, windowReadStatement, type Judgement } from '../sql/page-walk.js';
import type { StepOutcome } from '../step.js';
import { ReadAhead } from './read-ahead.js';
import { lastCheckpointRedo } from './server-facts.js';
import { stepSettings, type RangeWalker, type WalkSettings } from './walker.js';

/** Planner settings local to a round's transaction (see round). */
export const ROUND_PLANNER_SETTINGS: Readonly<Record<string, string>> = { enable_seqscan: 'off', enable_bitmapscan: 'off' };

interface Window {
  from: number;
  to: number;
  /** Pages [from, judgedTo) have been read in this process. */
  judgedTo: number;
  /** When its first step began (clock ms). */
  startedAt: number;
  /** A round of it has committed. */
  wrote: boolean;
  /** Rows of a page one of its rounds may write (rowsPerPageInRound). */
  perPageInRound: number;
}

/** A page walk's two batch sizes. */
export interface PageSizers {
  /** Rows a judge reads. */
  judges: BatchSizer;
  /** Rows a round writes on pages its window wrote before; a window has as many pages, so that a round can visit each of them. */
  rounds: BatchSizer;
  /** Rows a round writes on pages its window has not written yet (RoundQueue says why they differ). */
  freshRounds: BatchSizer;
}

export class PageWalker implements RangeWalker {
  private lastKind: 'judge' | 'round' = 'judge';
  /** The last round: its kind, and the rows it tried to write (fewer than its size once the window has fewer pages). */
  private lastRound: { kind: RoundKind; rows: number; ms: number } = { kind: 'written', rows: 0, ms: 0 };
  private lastJudge: { pages: number; scanned: number } | null = null;
  private range: RangeRow | null = null;
  private pages: PageProgress = { first: 0, end: 0, next: 0, countedTo: 0 };
  private window: Window | null = null;
  private queue = new RoundQueue();
  /** The end of the range's pass (its ranges cover pages [0, passEnd)); read once per range. */
  private passEnd: number | null = null;
  /** What the last whole window took per page, and how many rows its pages held. */
  private lastWindow: { msPerPage: number; rowsPerPage: number | null } | null = null;
  private readonly ahead: ReadAhead | null;
  /** The last checkpoint's redo point the walk saw, and windows started since it moved (null: unknown). */
  private checkpoints: { redo: string | null; windowsSince: number | null } = { redo: null, windowsSince: null };

  constructor(
    private readonly settings: WalkSettings,
    private readonly sizes: PageSizers,
  ) {
    this.ahead = settings.readAhead ? new ReadAhead(settings.readAhead.connect, settings.clock, this.judgeSettings) : null;
  }

  get size(): number {
    return this.nextKind() === 'judge' ? this.sizes.judges.size : this.roundSizer(this.queue.nextKind).size;
  }

  begin(range: RangeRow): void {
    if (!range.pages) throw new Error(`range ${range.rangeNo} of run ${range.runId} is not a page range`);
    this.range = range;
    this.pages = range.pages;
    this.window = null;
    this.queue = new RoundQueue();
    this.passEnd = null;
    this.ahead?.forget();
  }

  async close(): Promise<void> {
    await this.ahead?.close();
  }

  split(): number {
    if (this.lastKind === 'judge') return this.sizes.judges.split();
    // Halve what the failed round really tried, not its (larger) allowance.
    return this.roundSizer(this.lastRound.kind).split(this.lastRound.rows);
  }

  private nextKind(): 'judge' | 'round' {
    return this.window === null || this.window.judgedTo < this.window.to ? 'judge' : 'round';
  }

  async step(db: Queryable, lockWaiters: Sql): Promise<StepOutcome> {
    const range = this.range!;
    if (this.window === null) {
      const from = this.pages.next;
      if (from >= this.pages.end) return this.finishEmptyRange(db);
      await this.watchCheckpoints(db);
      const plan = this.ahead?.planned(from) ?? this.nextWindow(from);
      this.window = {
        from,
        to: plan.to,
        judgedTo: from,
        startedAt: this.settings.clock.now(),
        wrote: false,
        perPageInRound: this.perPageInRound(),
      };
    }
    return this.nextKind() === 'judge' ? this.judge(db, range, this.window) : this.round(db, range, this.window, lockWaiters);
  }

  /** The window that would start at page `from` now, and what limited its size. */
  private nextWindow(from: number): WindowPlan {
    const { pages, bound } = windowPages({
      roundSize: this.sizes.rounds.size,
      perPage: this.perPageInRound(),
      pace: this.settings.pace,
      msPerPage: this.lastWindow?.msPerPage ?? null,
      rowsPerPage: this.lastWindow?.rowsPerPage ?? (this.lastJudge ? this.lastJudge.scanned / Math.max(1, this.lastJudge.pages) : null),
      maxRowsPerSecond: this.settings.maxRowsPerSecond(),
    });
    return { from, to: Math.min(this.pages.end, from + pages), bound };
  }

  /** Rows of a page each round of a window starting now may write (rowsPerPageInRound). */
  private perPageInRound(): number {
    return rowsPerPageInRound({ rateLimited: this.settings.maxRowsPerSecond() !== null });
  }

  /**
   * At each window's start, whether a checkpoint has come since the last: what `--read-ahead
   * auto` needs on a server that logs hint bits (policy/read-ahead.ts), and only there.
   */
  private async watchCheckpoints(db: Queryable): Promise<void> {
    if (this.settings.readAhead?.mode !== 'auto' || !this.settings.pace.hintsLogged) return;
    const redo = await lastCheckpointRedo(db);
    if (redo === null) this.checkpoints = { redo: null, windowsSince: null };
    else if (redo !== this.checkpoints.redo) this.checkpoints = { redo, windowsSince: 0 };
    else if (this.checkpoints.windowsSince !== null) this.checkpoints.windowsSince += 1;
  }

  /** Whether the next window, limited by `bound`, is judged ahead. */
  private judgeAhead(bound: WindowBound): boolean {
    if (this.settings.readAhead?.mode === 'on') return true;
    const { hintsLogged } = this.settings.pace;
    return readAheadPays({ bound, hintsLogged, windowsSinceCheckpoint: this.checkpoints.windowsSince });
  }

  /** A judge transaction's settings: reads only, never a sequential scan of the table. */
  private get judgeSettings(): Record<string, string> {
    return { ...stepSettings(this.settings), enable_seqscan: 'off' };
  }

  /** Runs the judge statement of `span` of the range in `tx`. */
  private async readSpan(tx: Queryable, range: RangeRow, span: PageSpan): Promise<Judgement> {
    const { ops, tables } = this.settings;
    const moved = { table: tables.movedRows, runId: range.runId, pass: range.pass };
    const statement = ops.judge(tables.usages, { ...span, moved }, this.settings.runStartedAt);
    const { rows } = await tx.query(statement.text, statement.values);
    return readJudgement(rows[0]!, ops.judgedValues);
  }

  /**
   * While `window`'s rounds write, has the next window judged on the read-ahead's session —
   * unless a rate limit holds the pace (the run's time is then the limit's, and it must not
   * read ahead of what the limit allows), the range ends with this window, or the next window
   * was counted before this process (a resumed range re-reads those pages without counting).
   */
  private async readAhead(range: RangeRow, window: Window): Promise<void> {
    if (!this.ahead || this.settings.maxRowsPerSecond() !== null) return;
    await this.ahead.beforeRound();
    if (window.to >= this.pages.end || window.to < this.pages.countedTo) return;
    // A window judged ahead already was planned, and found worth it, when its first judge began.
    const planned = this.ahead.planned(window.to);
    const unplanned = planned ? null : this.nextWindow(window.to);
    if (unplanned && !this.judgeAhead(unplanned.bound)) return;
    const next = planned ?? unplanned!;
    const pages = aheadJudgePages({
      judge: judgePages(this.sizes.judges.size, this.lastJudge),
      roundMs: this.lastRound.ms,
      msPerPage: this.ahead.msPerPage,
    });
    this.ahead.start(next, pages, (tx, span) => this.readSpan(tx, range, span));
  }

  /**
   * Reads the next pages of the window: counted unless an earlier process counted them already.
   * A read holds no row lock, so nobody can be waiting on it: no beforeCommit.
   */
  private async judge(db: Queryable, range: RangeRow, window: Window): Promise<StepOutcome> {
    const { tables, clock } = this.settings;
    const size = this.sizes.judges.size;
    const recount = window.judgedTo < this.pages.countedTo;
    // Read ahead of this step, on the read-ahead's session: this step only records it.
    const ahead = this.ahead && !recount ? await this.ahead.take(window.judgedTo, window.to) : null;
    const planned = ahead ? ahead.span.to : window.judgedTo + judgePages(size, this.lastJudge);
    let to = Math.min(window.to, planned);
    // A judge either re-reads counted pages or counts new ones, never both.
    if (recount) to = Math.min(to, this.pages.countedTo);
    const span = { from: window.judgedTo, to };
    this.lastKind = 'judge';
    const started = clock.now();
    const result = await withTransaction(
      db,
      async (tx) => {
        const judgement = ahead ? ahead.judgement : await this.readSpan(tx, range, span);
        const windowDone = to >= window.to && judgement.rows.length === 0 && this.queue.remaining === 0;
        const counts = recount
          ? { scanned: 0, applicationWritten: 0, anomalies: {}, existed: 0 }
          : {
              scanned: judgement.scanned,
              applicationWritten: judgement.applicationWritten,
              anomalies: judgement.anomalies,
              existed: judgement.existed,
            };
        if (recount && !windowDone) return { judgement, counts, recorded: null };
        const position: RangePosition = {
          walk: 'page',
          next: windowDone ? window.to : window.from,
          countedTo: Math.max(to, this.pages.countedTo),
        };
        const rangeDone = windowDone && window.to >= this.pages.end;
        const run = await recordBatch(tx, tables, {
          runId: range.runId,
          rangeNo: range.rangeNo,
          pass: range.pass,
          position,
          rangeDone,
          scanned: counts.scanned,
          updated: 0,
          applicationWritten: counts.applicationWritten,
          anomalies: counts.anomalies,
          ms: clock.now() - started,
          existedAtStart: this.settings.firstPassCountsRowsAtStart && range.pass === 0 && !recount ? counts.existed : null,
        });
        return { judgement, counts, recorded: { position, rangeDone, run } };
      },
      { local: this.judgeSettings },
    );
    // A judgement read ahead took its own transaction's time, and this step's.
    const ms = clock.now() - started + (ahead?.ms ?? 0);
    this.queue.add(result.judgement.rows);
    window.judgedTo = to;
    this.lastJudge = { pages: to - span.from, scanned: result.judgement.scanned };
    // A judge cut short by the window's end says little about what a full one costs (a step's
    // fixed cost, its commit above all, weighs on few rows): only full ones size the next.
    if (ahead ? ahead.full : to === planned) this.sizes.judges.observe({ rows: result.judgement.scanned, ms: ahead?.ms ?? ms });
    const recorded = result.recorded ?? { position: this.position(window), rangeDone: false, run: null };
    await this.moved(db, recorded.position, window);
    return {
      kind: 'judge',
      size,
      scanned: result.counts.scanned,
      updated: 0,
      applicationWritten: result.counts.applicationWritten,
      anomalies: result.counts.anomalies,
      ms,
      position: recorded.position,
      rangeDone: recorded.rangeDone,
      run: recorded.run,
      charged: result.judgement.scanned,
      judgedAhead: ahead !== null,
      blockedSessions: 0,
    };
  }

  /** Writes the next round of the window's rows: at most window.perPageInRound of each page. */
  private async round(db: Queryable, range: RangeRow, window: Window, lockWaiters: Sql): Promise<StepOutcome> {
    const { ops, tables, clock } = this.settings;
    const { kind, rows } = this.queue.peek({ fresh: this.sizes.freshRounds.size, written: this.sizes.rounds.size }, window.perPageInRound);
    const sizer = this.roundSizer(kind);
    const at = { runId: range.runId, pass: range.pass };
    this.passEnd ??= await passEnd(db, tables, at);
    const place = { window: { from: window.from, to: window.to }, passEnd: this.passEnd };
    await this.readAhead(range, window);
    this.lastKind = 'round';
    this.lastRound = { kind, rows: rows.length, ms: this.lastRound.ms };
    const started = clock.now();
    const result = await withTransaction(
      db,
      async (tx) => {
        const statement = ops.round(tables.usages, rows, place);
        const { rows: out } = await tx.query(statement.text, statement.values);
        const updated = Number(out[0]!.updated);
        await recordMovedRows(tx, tables, at, out[0]!.moved as string[]);
        const windowDone = this.queue.remaining === rows.length;
        const position: RangePosition = { walk: 'page', next: windowDone ? window.to : window.from, countedTo: this.pages.countedTo };
        const rangeDone = windowDone && window.to >= this.pages.end;
        const recorded = await recordBatchWith(
          tx,
          tables,
          {
            runId: range.runId,
            rangeNo: range.rangeNo,
            pass: range.pass,
            position,
            rangeDone,
            scanned: 0,
            updated,
            applicationWritten: 0,
            anomalies: {},
            ms: clock.now() - started,
            existedAtStart: null,
          },
          lockWaiters,
        );
        return { updated, position, rangeDone, run: recorded.totals, blockedSessions: recorded.also };
      },
      // A round reaches its rows through the primary key, one index probe per row (the probe is
      // what prunes the page). For a round of hundreds of rows the planner may otherwise scan the
      // whole table and join it to the list.
      { local: { ...stepSettings(this.settings), ...ROUND_PLANNER_SETTINGS } },
    );
    const ms = clock.now() - started;
    this.ahead?.roundCommitted();
    this.lastRound.ms = ms;
    this.queue.commit(rows);
    window.wrote = true;
    // The last rounds of a window write few rows (only its fullest pages have any left): only
    // rounds their size limited, not the window, size the next.
    if (rows.length >= sizer.size / 2) sizer.observe({ rows: rows.length, ms });
    await this.moved(db, result.position, window);
    return {
      kind: 'round',
      size: rows.length,
      scanned: 0,
      updated: result.updated,
      applicationWritten: 0,
      anomalies: {},
      ms,
      position: result.position,
      rangeDone: result.rangeDone,
      run: result.run,
      charged: 0,
      judgedAhead: false,
      blockedSessions: result.blockedSessions,
    };
  }

  /** A range with no page to walk (the heap was empty when the pass began): marks it done. */
  private async finishEmptyRange(db: Queryable): Promise<StepOutcome> {
    const range = this.range!;
    const { tables, clock } = this.settings;
    const started = clock.now();
    const position: RangePosition = { walk: 'page', next: this.pages.next, countedTo: this.pages.countedTo };
    const run = await withTransaction(db, (tx) =>
      recordBatch(tx, tables, {
        runId: range.runId,
        rangeNo: range.rangeNo,
        pass: range.pass,
        position,
        rangeDone: true,
        scanned: 0,
        updated: 0,
        applicationWritten: 0,
        anomalies: {},
        ms: 0,
        existedAtStart: null,
      }),
    );
    return {
      kind: 'judge',
      size: 0,
      scanned: 0,
      updated: 0,
      applicationWritten: 0,
      anomalies: {},
      ms: clock.now() - started,
      position,
      rangeDone: true,
      run,
      charged: 0,
      judgedAhead: false,
      blockedSessions: 0,
    };
  }

  private roundSizer(kind: RoundKind): BatchSizer {
    return kind === 'fresh' ? this.sizes.freshRounds : this.sizes.rounds;
  }

  private position(window: Window): RangePosition {
    return { walk: 'page', next: window.from, countedTo: this.pages.countedTo };
  }

  /** The ledger has the range at `position` now; a window it finishes is closed (closeWindow). */
  private async moved(db: Queryable, position: RangePosition, window: Window): Promise<void> {
    if (position.walk !== 'page') return;
    this.pages = { ...this.pages, next: position.next, countedTo: position.countedTo };
    if (position.next < window.to) return;
    this.window = null;
    if (window.wrote) await this.closeWindow(db, window);
    this.lastWindow = {
      msPerPage: (this.settings.clock.now() - window.startedAt) / Math.max(1, window.to - window.from),
      rowsPerPage: this.lastJudge ? this.lastJudge.scanned / Math.max(1, this.lastJudge.pages) : null,
    };
  }

  /**
   * Reads a finished window's pages once more, now that its last round has committed: the read
   * prunes what that round left dead and sets the hint bits of the versions it wrote. Both change
   * the page, so both are WAL-logged — with a full-page image if a checkpoint came in between —
   * and the count at the end of the pass, minutes later, would otherwise do them.
   */
  private async closeWindow(db: Queryable, window: Window): Promise<void> {
    const read = windowReadStatement(this.settings.tables.usages, window);
    await withTransaction(db, (tx) => tx.query(read.text, read.values), { mode: 'read-only', local: this.judgeSettings });
  }
}
