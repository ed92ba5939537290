/**
 * The walk's plan: windows that cover the table exactly once, sized from the rows each unit
 * held so far, and a window the server cancelled back in halves, ahead of the rest.
 */
import { describe, expect, it } from 'vitest';
import { ChunkPlan, split, type ChunkSizer } from '../../../src/scan/plan.js';
import type { ScanWindow } from '../../../src/scan/windows.js';

/** A sizer that asks for `rows` every time and records what it was told. */
function fixedSizer(rows: number): ChunkSizer & { seen: { rows: number; ms: number }[] } {
  const seen: { rows: number; ms: number }[] = [];
  return { size: rows, observe: (s) => void seen.push(s), seen };
}

function drain(plan: ChunkPlan, rowsOf: (w: ScanWindow) => number): ScanWindow[] {
  const out: ScanWindow[] = [];
  for (let w = plan.next(); w; w = plan.next()) {
    out.push(w);
    plan.done(w, { rows: rowsOf(w), ms: 10 });
  }
  return out;
}

describe('ChunkPlan over heap pages', () => {
  it('covers [0, pages) once, in order, and sizes later chunks from the rows a page held', () => {
    const plan = new ChunkPlan({ by: 'pages', pages: 1000, estimatedRows: 20_000 }, fixedSizer(2_000));
    const windows = drain(plan, (w) => (w.by === 'pages' ? (w.to - w.from) * 20 : 0));
    // 50 rows a page assumed first (40 pages), then 20 learned: 100 pages a chunk.
    expect(windows[0]).toEqual({ by: 'pages', from: 0, to: 40 });
    expect(windows[1]).toEqual({ by: 'pages', from: 40, to: 140 });
    expect(windows.at(-1)).toMatchObject({ to: 1000 });
    for (let n = 1; n < windows.length; n++) expect((windows[n] as { from: number }).from).toBe((windows[n - 1] as { to: number }).to);
    expect(plan.progress()).toEqual({ fraction: 1, rowsDone: 20_000, estimatedRows: 20_000 });
  });

  it('hands a cancelled window back in halves, first half first, before going on', () => {
    const plan = new ChunkPlan({ by: 'pages', pages: 1000, estimatedRows: 0 }, fixedSizer(5_000));
    const first = plan.next()!;
    expect(first).toEqual({ by: 'pages', from: 0, to: 100 });
    expect(plan.retry(first)).toEqual([
      { by: 'pages', from: 0, to: 50 },
      { by: 'pages', from: 50, to: 100 },
    ]);
    expect(plan.next()).toEqual({ by: 'pages', from: 0, to: 50 });
    expect(plan.next()).toEqual({ by: 'pages', from: 50, to: 100 });
    expect(plan.next()).toMatchObject({ from: 100 });
  });

  it('an empty table is no window at all', () => {
    expect(new ChunkPlan({ by: 'pages', pages: 0, estimatedRows: 0 }, fixedSizer(100)).next()).toBeNull();
  });
});

describe('ChunkPlan over the key space', () => {
  it('covers [0, 1) exactly, the last slice running to the end', () => {
    const plan = new ChunkPlan({ by: 'keys', estimatedRows: 10_000 }, fixedSizer(3_000));
    const windows = drain(plan, (w) => (w.by === 'keys' ? Math.round((w.to - w.from) * 10_000) : 0));
    expect(windows[0]).toEqual({ by: 'keys', from: 0, to: 0.3 });
    expect(windows.at(-1)).toMatchObject({ to: 1 });
    const covered = windows.reduce((sum, w) => sum + (w.by === 'keys' ? w.to - w.from : 0), 0);
    expect(covered).toBeCloseTo(1, 12);
  });
});

describe('ChunkPlan over a list', () => {
  it('hands out the windows given, in order, and counts progress by windows', () => {
    const list: ScanWindow[] = [
      { by: 'sample', seed: 1, percent: 0.1 },
      { by: 'sample', seed: 2, percent: 0.1 },
    ];
    const plan = new ChunkPlan({ by: 'list', windows: list, estimatedRows: 0 }, fixedSizer(10));
    expect(drain(plan, () => 7)).toEqual(list);
    expect(plan.progress()).toMatchObject({ fraction: 1, rowsDone: 14 });
  });
});

describe('split', () => {
  it.each<[string, ScanWindow, ScanWindow[]]>([
    [
      'pages in halves',
      { by: 'pages', from: 10, to: 15 },
      [
        { by: 'pages', from: 10, to: 12 },
        { by: 'pages', from: 12, to: 15 },
      ],
    ],
    ['one page as it was', { by: 'pages', from: 7, to: 8 }, [{ by: 'pages', from: 7, to: 8 }]],
    [
      'keys in halves',
      { by: 'keys', from: 0.5, to: 1 },
      [
        { by: 'keys', from: 0.5, to: 0.75 },
        { by: 'keys', from: 0.75, to: 1 },
      ],
    ],
    [
      'a sample replicate as it was (its pages are the hash of the seed)',
      { by: 'sample', seed: 3, percent: 1 },
      [{ by: 'sample', seed: 3, percent: 1 }],
    ],
  ])('%s', (_name, window, parts) => {
    expect(split(window)).toEqual(parts);
  });
});
