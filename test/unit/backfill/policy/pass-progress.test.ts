import { describe, expect, it } from 'vitest';
import type { RangeRow } from '../../../../src/ledger/rows.js';
import { PassProgress, REFRESH_MS } from '../../../../src/backfill/policy/pass-progress.js';
import { planKeyRanges, planPageRanges } from '../../../../src/backfill/policy/ranges.js';

function range(rangeNo: number, lo: string | null, hi: string | null, patch: Partial<RangeRow> = {}): RangeRow {
  return {
    runId: 1,
    rangeNo,
    pass: 0,
    lo,
    hi,
    checkpoint: null,
    pages: null,
    status: 'pending',
    rowsScanned: 0,
    rowsUpdated: 0,
    claimedBy: null,
    claimedAt: null,
    ...patch,
  };
}

describe('pass progress: one meaning for the single runner and for workers', () => {
  it('a single range: the share of the key space behind the checkpoint refines the catalog estimate', () => {
    const p = new PassProgress(1_000);
    p.refresh([range(0, null, null)], 0);
    p.observe(range(0, null, null), {
      position: { walk: 'key', checkpoint: '40000000-0000-4000-8000-000000000000' },
      rangeDone: false,
      scanned: 500,
    });
    const s = p.snapshot(1_000);
    expect(s).toMatchObject({ pass: 0, passScanned: 500, estimatedRows: 2_000 });
    expect(s.rowsPerSecond).toBe(500);
    expect(s.etaMs).toBe(3_000);
  });

  it('several ranges, some done by other processes: counted from the ledger, not from this process alone', () => {
    const [a, b, c, d] = planKeyRanges(4).map((r, i) => range(i, r.lo, r.hi));
    const p = new PassProgress(10);
    // Another process has finished range 0 and is half way through range 1.
    p.refresh(
      [
        { ...a!, status: 'done', rowsScanned: 250 },
        { ...b!, checkpoint: '60000000-0000-4000-8000-000000000000', rowsScanned: 125 },
        c!,
        d!,
      ],
      0,
    );
    p.observe(c!, { position: { walk: 'key', checkpoint: '90000000-0000-4000-8000-000000000000' }, rangeDone: false, scanned: 60 });
    const s = p.snapshot(2_000);
    expect(s.passScanned).toBe(435);
    // 0.25 (range 0) + 0.125 (range 1 to 0x6…) + 0.0625 (range 2 to 0x9…) of the key space.
    expect(s.estimatedRows).toBe(Math.round(435 / 0.4375));
    expect(s.rowsPerSecond).toBe(30);
  });

  it('a new pass starts from nothing: a sweep counts its own rows and its own rate', () => {
    const p = new PassProgress(1_000);
    p.refresh([range(0, null, null, { status: 'done', rowsScanned: 1_000 })], 0);
    expect(p.stale(1, 10)).toBe(true);
    p.refresh([range(1, null, null, { pass: 1 })], 10);
    p.observe(range(1, null, null, { pass: 1 }), {
      position: { walk: 'key', checkpoint: '10000000-0000-4000-8000-000000000000' },
      rangeDone: false,
      scanned: 60,
    });
    expect(p.snapshot(1_010)).toMatchObject({ pass: 1, passScanned: 60, rowsPerSecond: 60 });
  });

  it('reads the ledger again only when the pass changes or the last read is old', () => {
    const p = new PassProgress(0);
    expect(p.stale(0, 0)).toBe(true);
    p.refresh([range(0, null, null)], 0);
    expect(p.stale(0, REFRESH_MS - 1)).toBe(false);
    expect(p.stale(0, REFRESH_MS)).toBe(true);
  });

  it('no rate and no ETA before rows have moved', () => {
    const p = new PassProgress(500);
    p.refresh([range(0, null, null)], 0);
    expect(p.snapshot(0)).toMatchObject({ passScanned: 0, estimatedRows: 500, rowsPerSecond: null, etaMs: null });
  });

  it('a page walk: the share of the pages of the pass counted so far, over all its ranges', () => {
    const [a, b] = planPageRanges(2, 1_000).map((r, i) =>
      range(i, null, null, { pages: { first: r.first, end: r.end, next: r.first, countedTo: r.first } }),
    );
    const p = new PassProgress(100);
    // Another process has finished the first half of the heap.
    p.refresh([{ ...a!, status: 'done', rowsScanned: 5_000 }, b!], 0);
    p.observe(b!, { position: { walk: 'page', next: 500, countedTo: 600 }, rangeDone: false, scanned: 1_000 });
    const s = p.snapshot(1_000);
    expect(s.passScanned).toBe(6_000);
    // 500 + 100 of the pass's 1000 pages: counted pages are what the scanned rows came from.
    expect(s.fraction).toBeCloseTo(0.6);
    expect(s.estimatedRows).toBe(10_000);
  });
});
