/**
 * The page walk's plan for one window: which pages the next judge reads, and which rows the
 * next round writes. Pure; the I/O is src/backfill/run/page-walk.ts.
 *
 * A round writes two rows per page (one under a rate limit: rowsPerPageInRound): the dead
 * version an update leaves on a page can only be pruned — giving its room to the next
 * new version, so that update stays HOT — once the transaction that left it has committed
 * (src/backfill/sql/page-walk.ts says why that matters).
 */
import type { PageSpan } from '../../db/page-span.js';

/**
 * A row the judge found to write: its heap page, and its text as the judge gave it — key, the
 * version it judged (xmin), the direction's values, page — which the round sends on as it is
 * (src/backfill/sql/page-walk.ts, judgedRowsSql).
 */
export interface JudgedRow {
  page: number;
  line: string;
}

/**
 * The rows a window still has to write, one queue per page, handed out a few rows per page per
 * round and going round the pages: a window with more pages holding rows than a round may write
 * takes several rounds to visit every page once, each page again only after all the others.
 *
 * A page the window has not written yet is full (the table is insert-only): its first update
 * finds no room, so its new version goes to another page, with an entry in every index — several
 * times the work of a later, HOT update. So a round takes rows of one kind only, fresh pages or
 * written ones, and each kind is sized by its own controller.
 */
export class RoundQueue {
  /** Pages with rows left, in page order, each with its rows in physical order. */
  private pages: { page: number; rows: JudgedRow[]; written: boolean }[] = [];
  /** Index into `pages` where the next round starts. */
  private cursor = 0;

  /** `rows` in physical order, as the judge returns them. */
  add(rows: readonly JudgedRow[]): void {
    for (const row of rows) {
      const last = this.pages.at(-1);
      if (last && last.page === row.page) last.rows.push(row);
      else if (last && last.page > row.page) throw new Error(`rows out of physical order: page ${row.page} after ${last.page}`);
      else this.pages.push({ page: row.page, rows: [row], written: false });
    }
  }

  get remaining(): number {
    return this.pages.reduce((sum, p) => sum + p.rows.length, 0);
  }

  /** The kind of the next round (RoundKind). */
  get nextKind(): RoundKind {
    return this.pages[this.cursor]?.written === false ? 'fresh' : 'written';
  }

  /**
   * The next round, going round from where the last one stopped: up to `perPage` rows of each
   * following page of the same kind as the first (fresh: not written yet in this window), at most
   * `sizes[kind]` rows, at least one. Empty when nothing is left.
   */
  peek(sizes: Readonly<Record<RoundKind, number>>, perPage = 1): PlannedRound {
    const first = this.pages[this.cursor];
    const kind = this.nextKind;
    if (!first) return { kind, rows: [] };
    const limit = Math.max(1, Math.floor(sizes[kind]));
    const rows: JudgedRow[] = [];
    for (let i = 0; i < this.pages.length && rows.length < limit; i++) {
      const page = this.pages[(this.cursor + i) % this.pages.length]!;
      if (page.written !== first.written) break;
      rows.push(...page.rows.slice(0, Math.min(perPage, limit - rows.length)));
    }
    return { kind, rows };
  }

  /** The rows of a round `peek` gave have committed: they leave the queue. */
  commit(rows: readonly JudgedRow[]): void {
    const last = rows.at(-1);
    if (!last) return;
    const taken = new Map<number, number>();
    for (const row of rows) taken.set(row.page, (taken.get(row.page) ?? 0) + 1);
    for (const page of this.pages) {
      const n = taken.get(page.page);
      if (n === undefined) continue;
      page.rows.splice(0, n);
      page.written = true;
    }
    // The next round starts after the last page this one took; emptied pages leave the ring.
    this.pages = this.pages.filter((p) => p.rows.length > 0);
    const next = this.pages.findIndex((p) => p.page > last.page);
    this.cursor = next < 0 ? 0 : next;
  }
}

/** Fresh: rows on pages their window has not written yet; written: on pages it has. */
export type RoundKind = 'fresh' | 'written';

export interface PlannedRound {
  kind: RoundKind;
  rows: JudgedRow[];
}

/** Pages of the first judge of a window, before any judge has shown how many rows a page holds. */
export const FIRST_JUDGE_PAGES = 4;

/** Pages the next judge reads so that it covers about `rows` rows, given what the last one saw. */
export function judgePages(rows: number, last: { pages: number; scanned: number } | null): number {
  if (!last || last.scanned <= 0 || last.pages <= 0) return FIRST_JUDGE_PAGES;
  return Math.max(1, Math.round(rows / (last.scanned / last.pages)));
}

/**
 * Pages a judge read ahead reads (src/backfill/run/read-ahead.ts): about as many as the round
 * beside it takes time for, so that it is done before the next round begins — but never under
 * a quarter of a normal judge (`judge` pages): the time per page of a small judge is mostly its
 * fixed cost, and sizing by it alone would shrink every next one further.
 */
export function aheadJudgePages(input: { judge: number; roundMs: number; msPerPage: number | null }): number {
  const { judge, roundMs, msPerPage } = input;
  if (msPerPage === null || msPerPage <= 0) return judge;
  return Math.max(Math.ceil(judge / 4), Math.min(judge, Math.floor(roundMs / msPerPage)));
}

/** How often the server checkpoints: by WAL volume and by time (what windows are sized against). */
export interface CheckpointPace {
  /** WAL between checkpoints when WAL triggers them: max_wal_size / (1 + checkpoint_completion_target). */
  walBytes: number;
  timeoutMs: number;
  /**
   * Whether setting a hint bit is WAL-logged (data_checksums or wal_log_hints on): then the first
   * read of a page after a checkpoint that sets one writes the page's full image, as a write does.
   */
  hintsLogged: boolean;
}

/** What limited a window's pages: the round size, or the checkpoint pace by WAL or by time. */
export type WindowBound = 'round' | 'wal' | 'time';

/**
 * WAL a window writes per page, as planned for: the page's one full-page image (8 kB) and the
 * records of its rows' updates. Measured windows write less; planning high keeps them short.
 */
export const PLANNED_WAL_PER_PAGE = 16 * 1024;

/**
 * Share of the checkpoint interval one window may take. A checkpoint that falls inside a window
 * makes PostgreSQL image, a second time, the pages the window writes after it — on average half
 * the window — so a window of a tenth of the interval costs about 5% more images per pass.
 */
export const WINDOW_SHARE_OF_CHECKPOINT = 0.1;

/**
 * Pages of the next window: as many as a round may write rows on (`perPage` rows a page:
 * rowsPerPageInRound), but short enough against the checkpoint pace, in WAL and in time —
 * `msPerPage` is what the last window took a page (null before one has finished), and the rate
 * limit slows every page's judging down to `rowsPerPage / maxRowsPerSecond`.
 */
export function windowPages(input: {
  roundSize: number;
  perPage: number;
  pace: CheckpointPace;
  msPerPage: number | null;
  rowsPerPage: number | null;
  maxRowsPerSecond: number | null;
}): { pages: number; bound: WindowBound } {
  const { pace } = input;
  const byRound = input.roundSize / Math.max(1, input.perPage);
  const byWal = (pace.walBytes * WINDOW_SHARE_OF_CHECKPOINT) / PLANNED_WAL_PER_PAGE;
  const throttledMs = input.maxRowsPerSecond && input.rowsPerPage ? (input.rowsPerPage * 1000) / input.maxRowsPerSecond : 0;
  const msPerPage = Math.max(input.msPerPage ?? 0, throttledMs);
  const byTime = msPerPage > 0 ? (pace.timeoutMs * WINDOW_SHARE_OF_CHECKPOINT) / msPerPage : Number.POSITIVE_INFINITY;
  const bound: WindowBound = byRound <= Math.min(byWal, byTime) ? 'round' : byWal <= byTime ? 'wal' : 'time';
  return { pages: Math.max(1, Math.floor(Math.min(byRound, byWal, byTime))), bound };
}

/** A window as planned at its first judge: its pages, and what limited them. */
export interface WindowPlan extends PageSpan {
  bound: WindowBound;
}

/** Rows of a page a round writes without a rate limit (rowsPerPageInRound). */
export const ROWS_PER_PAGE_IN_ROUND = 2;

/**
 * Rows of each page one round of a window may write: two, or one under a rate limit.
 *
 * Each update of a full page finds room only in what the page's last round left dead, and the
 * index fetch before it prunes the page for it — one prune record a page per round. Two rows a
 * page halve those records; the price is that a page's second update finds room only after the
 * page has given up one more version to another page, so a few more updates write index
 * entries. Measured on 1M rows (`npm run bench`, docs/benchmarks.md):
 * - checkpoint-dense (windows cut short, a round of one row a page only a few hundred rows, its
 *   fixed cost outweighing them): 3,533 steps → 1,857, the backfill 40 s → 28 s (medians), HOT
 *   86.7% → 84.2% (narrow);
 * - default (windows as large as a round; the same rounds, on half the pages): WAL 350.5 →
 *   339.1 MB on narrow (prune records 10.5 → 5.7 MB per 300K rows, `npx tsx
 *   bench/step-profile.ts --wal`), HOT 86.7% → 84.1%.
 * Under a rate limit the limit sets the run's time, and the run lives through several
 * checkpoints: each update that leaves its page writes index entries again in every checkpoint
 * interval (docs/benchmarks.md, throttled), so rounds stay at one row a page there.
 */
export function rowsPerPageInRound(input: { rateLimited: boolean }): number {
  return input.rateLimited ? 1 : ROWS_PER_PAGE_IN_ROUND;
}
