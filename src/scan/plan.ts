/**
 * Which window each chunk covers: the walk's plan, sized as it goes. Pure: the walk tells it
 * what each chunk held and how long it took; any number of sessions take windows from one plan.
 *
 * Chunks are sized in rows by a controller aimed at a duration (the backfill's batch-size
 * controller: a statement per chunk is a statement per batch) and turned into the window's own
 * unit with the rows a unit has held so far: rows per page, or rows per share of the key space.
 * A window that timed out comes back split in two (or, a single page, as it was), ahead of the
 * rest, so the walk stays near its frontier.
 */
import type { ScanWindow } from './windows.js';

/** The controller a plan sizes chunks with (src/backfill/policy/controller.ts, passed in). */
export interface ChunkSizer {
  /** Rows the next chunk should cover. */
  readonly size: number;
  observe(sample: { rows: number; ms: number }): void;
}

/** What the whole walk covers. */
export type WalkShape =
  /** Heap pages [0, pages) of a table. */
  | { by: 'pages'; pages: number; estimatedRows: number }
  /** The whole uuid key space. */
  | { by: 'keys'; estimatedRows: number }
  /** Given windows, in order (sample replicates, or the chunks of an earlier walk). */
  | { by: 'list'; windows: readonly ScanWindow[]; estimatedRows: number };

/** Rows a page is taken to hold before any chunk has shown it. */
const FIRST_ROWS_PER_PAGE = 50;
/** The smallest share of the key space a chunk covers: a ten-millionth. */
const MIN_KEY_SHARE = 1e-7;

export class ChunkPlan {
  private cursor = 0;
  private readonly returned: ScanWindow[] = [];
  private rowsSeen = 0;
  /** Units (pages, shares, list entries) of the windows observed so far. */
  private unitsSeen = 0;
  private unitsDone = 0;
  private inFlight = 0;

  constructor(
    readonly shape: WalkShape,
    private readonly sizer: ChunkSizer,
  ) {}

  /** The next window to read, or null when every window has been handed out. */
  next(): ScanWindow | null {
    const back = this.returned.pop();
    if (back) return this.take(back);
    switch (this.shape.by) {
      case 'pages': {
        if (this.cursor >= this.shape.pages) return null;
        const perPage = this.unitsSeen > 0 && this.rowsSeen > 0 ? this.rowsSeen / this.unitsSeen : FIRST_ROWS_PER_PAGE;
        const pages = Math.max(1, Math.round(this.sizer.size / perPage));
        const from = this.cursor;
        this.cursor = Math.min(this.shape.pages, from + pages);
        return this.take({ by: 'pages', from, to: this.cursor });
      }
      case 'keys': {
        if (this.cursor >= 1) return null;
        const rows = this.unitsSeen > 0 && this.rowsSeen > 0 ? this.rowsSeen / this.unitsSeen : Math.max(1, this.shape.estimatedRows);
        const share = Math.max(MIN_KEY_SHARE, this.sizer.size / rows);
        const from = this.cursor;
        this.cursor = Math.min(1, from + share);
        // The last slice runs to the end of the key space, whatever rounding left.
        if (1 - this.cursor < MIN_KEY_SHARE) this.cursor = 1;
        return this.take({ by: 'keys', from, to: this.cursor });
      }
      case 'list': {
        const window = this.shape.windows[this.cursor];
        if (!window) return null;
        this.cursor += 1;
        return this.take(window);
      }
    }
  }

  private take(window: ScanWindow): ScanWindow {
    this.inFlight += 1;
    return window;
  }

  /** A chunk that held `rows` rows and took `ms`. */
  done(window: ScanWindow, sample: { rows: number; ms: number }): void {
    this.inFlight -= 1;
    const units = unitsOf(window, this.shape);
    this.unitsDone += units;
    if (this.shape.by !== 'list') {
      this.unitsSeen += units;
      this.rowsSeen += sample.rows;
    } else {
      this.rowsSeen += sample.rows;
    }
    this.sizer.observe(sample);
  }

  /**
   * A chunk that was cancelled (statement_timeout): it comes back split in two, or as it was
   * when it cannot be split. Returns the windows it came back as.
   */
  retry(window: ScanWindow): ScanWindow[] {
    this.inFlight -= 1;
    const parts = split(window);
    // Pushed so that the first half is taken first.
    for (const part of [...parts].reverse()) this.returned.push(part);
    return parts;
  }

  /** Windows handed out and not yet done or returned. */
  pending(): number {
    return this.inFlight;
  }

  /** How far the walk has got, and the rows it holds by the rate so far. */
  progress(): { fraction: number; rowsDone: number; estimatedRows: number } {
    const total = this.shape.by === 'pages' ? this.shape.pages : this.shape.by === 'keys' ? 1 : this.shape.windows.length;
    const fraction = total > 0 ? Math.min(1, this.unitsDone / total) : 1;
    const estimatedRows =
      fraction >= 0.02 && this.rowsSeen > 0
        ? Math.max(this.rowsSeen, Math.round(this.rowsSeen / fraction))
        : Math.max(this.rowsSeen, this.shape.estimatedRows);
    return { fraction, rowsDone: this.rowsSeen, estimatedRows };
  }
}

function unitsOf(window: ScanWindow, shape: WalkShape): number {
  if (shape.by === 'list') return 1;
  if (window.by === 'pages' || window.by === 'keys') return window.to - window.from;
  return 0;
}

/** A window cut in two halves; a single page (or the smallest key slice, or a sample) as it was. */
export function split(window: ScanWindow): ScanWindow[] {
  if (window.by === 'pages' && window.to - window.from > 1) {
    const middle = window.from + Math.floor((window.to - window.from) / 2);
    return [
      { by: 'pages', from: window.from, to: middle },
      { by: 'pages', from: middle, to: window.to },
    ];
  }
  if (window.by === 'keys' && window.to - window.from > 2 * MIN_KEY_SHARE) {
    const middle = window.from + (window.to - window.from) / 2;
    return [
      { by: 'keys', from: window.from, to: middle },
      { by: 'keys', from: middle, to: window.to },
    ];
  }
  return [window];
}
