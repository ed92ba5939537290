/**
 * How far the current pass has got, run-wide: rows scanned, the share of the table behind the
 * ranges' positions (of its heap pages for a page walk, of the key space for a key walk), the
 * table's size estimated from that share, the rate and the time left.
 * One meaning for the single runner and for workers in any number of processes: this process
 * knows its own batches at once and the others' from the ledger (refresh), at most a few
 * seconds late. Pure: the caller passes ledger rows, batches and the time in.
 */
import type { RangePosition } from '../../ledger/checkpoint.js';
import type { PageProgress, RangeRow } from '../../ledger/rows.js';
import { estimateTotalRows, etaMs, keyFraction } from './estimate.js';

/** How often the other processes' progress is read from the ledger. */
export const REFRESH_MS = 5_000;

interface RangeState {
  lo: string | null;
  hi: string | null;
  checkpoint: string | null;
  pages: PageProgress | null;
  done: boolean;
  scanned: number;
}

export interface ProgressSnapshot {
  pass: number;
  /** Rows the run has scanned in this pass, all processes. */
  passScanned: number;
  /** Share of the table behind the pass's positions, in [0, 1]. */
  fraction: number;
  estimatedRows: number;
  /** Rows per second in this pass, run-wide; null until two observations apart in time. */
  rowsPerSecond: number | null;
  etaMs: number | null;
}

/**
 * The share of the table a range has behind it: of the key space for a key range; for a page
 * range, of the pages of all the pass's ranges (`passPages`: the heap when the pass began).
 */
function covered(range: RangeState, passPages: number): number {
  if (range.pages) {
    // Pages read and counted: what the pass's scanned rows come from (their rows are written
    // within the window's few seconds after).
    const { first, end, countedTo } = range.pages;
    return Math.max(0, (range.done ? end : countedTo) - first) / Math.max(1, passPages);
  }
  const lo = range.lo === null ? 0 : keyFraction(range.lo);
  if (range.done) return (range.hi === null ? 1 : keyFraction(range.hi)) - lo;
  return range.checkpoint === null ? 0 : Math.max(0, keyFraction(range.checkpoint) - lo);
}

export class PassProgress {
  private pass = -1;
  private ranges = new Map<number, RangeState>();
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private baseline: { at: number; scanned: number } | null = null;
  private estimate: number;

  constructor(catalogRows: number) {
    this.estimate = Math.max(0, Math.round(catalogRows));
  }

  /** Whether the ledger should be read again before the next snapshot. */
  stale(pass: number, now: number): boolean {
    return pass !== this.pass || now - this.refreshedAt >= REFRESH_MS;
  }

  /** The ranges of the current pass as the ledger has them now. */
  refresh(ranges: readonly RangeRow[], now: number): void {
    const pass = ranges.reduce((max, r) => Math.max(max, r.pass), -1);
    if (pass !== this.pass) {
      this.pass = pass;
      this.ranges = new Map();
      this.baseline = null;
    }
    for (const r of ranges) {
      if (r.pass !== pass) continue;
      this.ranges.set(r.rangeNo, {
        lo: r.lo,
        hi: r.hi,
        checkpoint: r.checkpoint,
        pages: r.pages,
        done: r.status === 'done',
        scanned: r.rowsScanned,
      });
    }
    this.refreshedAt = now;
    this.baseline ??= { at: now, scanned: this.scanned() };
  }

  /** A step this process committed. */
  observe(
    range: Pick<RangeRow, 'rangeNo' | 'pass' | 'lo' | 'hi' | 'pages'>,
    step: { position: RangePosition; rangeDone: boolean; scanned: number },
  ): void {
    if (range.pass !== this.pass) return;
    const state = this.ranges.get(range.rangeNo) ?? {
      lo: range.lo,
      hi: range.hi,
      checkpoint: null,
      pages: range.pages,
      done: false,
      scanned: 0,
    };
    const { position } = step;
    this.ranges.set(range.rangeNo, {
      ...state,
      checkpoint: position.walk === 'key' ? (position.checkpoint ?? state.checkpoint) : state.checkpoint,
      pages: position.walk === 'page' && state.pages ? { ...state.pages, next: position.next, countedTo: position.countedTo } : state.pages,
      done: state.done || step.rangeDone,
      scanned: state.scanned + step.scanned,
    });
  }

  private scanned(): number {
    let total = 0;
    for (const r of this.ranges.values()) total += r.scanned;
    return total;
  }

  snapshot(now: number): ProgressSnapshot {
    const passScanned = this.scanned();
    let fraction = 0;
    let passPages = 0;
    for (const r of this.ranges.values()) passPages += r.pages ? r.pages.end - r.pages.first : 0;
    for (const r of this.ranges.values()) fraction += covered(r, passPages);
    this.estimate = estimateTotalRows({ catalogRows: this.estimate, done: passScanned, fraction: Math.min(1, fraction) });
    const elapsed = this.baseline ? now - this.baseline.at : 0;
    const gained = this.baseline ? passScanned - this.baseline.scanned : 0;
    const rowsPerSecond = elapsed > 0 && gained > 0 ? (gained * 1000) / elapsed : null;
    return {
      pass: this.pass,
      passScanned,
      fraction: Math.min(1, fraction),
      estimatedRows: this.estimate,
      rowsPerSecond: rowsPerSecond === null ? null : Math.round(rowsPerSecond),
      etaMs: rowsPerSecond === null ? null : etaMs(this.estimate - passScanned, rowsPerSecond),
    };
  }
}
