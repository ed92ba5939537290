/**
 * The live progress line fits the terminal it is drawn on, and colour follows NO_COLOR and
 * FORCE_COLOR. (The same under a real pseudo-terminal: test/integration/progress-pty.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { detectTerminal } from '../../../src/text/colour.js';
import type { BackfillEvent } from '../../../src/backfill/events.js';
import { progressLine, textSink } from '../../../src/backfill/output/progress.js';

const batch = (over: Partial<Extract<BackfillEvent, { event: 'batch' }>> = {}): Extract<BackfillEvent, { event: 'batch' }> =>
  ({
    event: 'batch',
    runId: 1,
    pass: 0,
    passRowsScanned: 12_345_678,
    estimatedRows: 98_765_432,
    totalRowsUpdated: 7_654_321,
    rowsPerSecond: 123_456,
    etaMs: 3_723_000,
    anomalies: {},
    batchSize: 50_000,
    ...over,
  }) as Extract<BackfillEvent, { event: 'batch' }>;

describe('the live line fits the terminal', () => {
  it.each([200, 120, 100, 80, 60, 40, 20, 10])('%i columns', (columns) => {
    const line = progressLine(batch(), columns);
    expect(line.length).toBeLessThan(columns);
    expect(line).toMatch(/^(\[[#.]+\] )?12%/);
  });

  it('keeps the most useful parts first: percent and rows, then rate and ETA', () => {
    expect(progressLine(batch(), 200)).toContain('batch 50,000');
    expect(progressLine(batch(), 80)).toMatch(/rows\/s · ETA/);
    expect(progressLine(batch(), 40)).toMatch(/^12% 12,345,678\/~98,765,432 rows/);
  });

  it('follows a resize: the next redraw uses the new width, on a fresh row', () => {
    let out = '';
    let columns = 120;
    const sink = textSink({
      write: (t) => (out += t),
      clock: { now: () => (out.length > 0 ? 1e9 : 0) },
      interactive: true,
      intervalMs: 0,
      columns: () => columns,
    });
    sink(batch());
    columns = 50;
    sink(batch({ passRowsScanned: 20_000_000 }));
    const draws = out.split('\r\u001b[K').filter(Boolean);
    expect(draws[0]!.length).toBeLessThan(120);
    expect(draws[0]!.endsWith('\n')).toBe(true);
    expect(draws[1]!.length).toBeLessThan(50);
  });
});

describe('colour', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  it.each<[string, NodeJS.WriteStream, Record<string, string>, boolean]>([
    ['a terminal', tty, {}, true],
    ['NO_COLOR on a terminal', tty, { NO_COLOR: '1' }, false],
    ['a pipe', pipe, {}, false],
    ['FORCE_COLOR on a pipe', pipe, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=0 on a terminal', tty, { FORCE_COLOR: '0' }, false],
    ['FORCE_COLOR wins over NO_COLOR', pipe, { FORCE_COLOR: '2', NO_COLOR: '1' }, true],
    ['TERM=dumb', tty, { TERM: 'dumb' }, false],
  ])('%s', (_name, stream, env, color) => {
    expect(detectTerminal(stream, env).color).toBe(color);
  });

  it('FORCE_COLOR does not make a pipe interactive (no live redraws into a log file)', () => {
    expect(detectTerminal(pipe, { FORCE_COLOR: '1' }).interactive).toBe(false);
  });
});
