/**
 * What an operator reads on stderr: at the start and at the end of each pass, whether the run
 * walks every key or only counts, and what the count found; in between, a progress line that
 * fits the terminal it is drawn on (the same under a real pseudo-terminal:
 * test/integration/progress-pty.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { BackfillEvent } from '../../../../src/backfill/events.js';
import { batchProgressLine, batchProgressText, jsonLinesSink, textSink } from '../../../../src/backfill/output/progress.js';
import { fakeClock } from '../../../harness/fake-clock.js';

const start = (keyedPass: boolean, walCompression: string | null = null): BackfillEvent => ({
  event: 'start',
  runId: 9,
  direction: 'forward',
  walk: 'page',
  workers: null,
  resumed: false,
  ruleFingerprint: 'f',
  estimatedRows: 1_000_000,
  batchSize: 1_000,
  targetBatchMs: 200,
  fixedBatchSize: false,
  keyedPass,
  walCompression: {
    set: walCompression,
    why: walCompression === null ? 'the server compresses WAL already (wal_compression = pglz)' : null,
  },
});

const converge = (pass: number, eligibleRemaining: number, nextPass: number | null, rowsUpdated = 0): BackfillEvent => ({
  event: 'converge',
  runId: 9,
  pass,
  rowsScanned: 0,
  rowsUpdated,
  eligibleRemaining,
  converged: eligibleRemaining === 0,
  nextPass,
});

function lines(events: BackfillEvent[]): string[] {
  let out = '';
  const sink = textSink({ write: (t) => (out += t), clock: { now: () => 0 }, interactive: false });
  events.forEach(sink);
  return out.trimEnd().split('\n');
}

describe('text progress: first pass or count first', () => {
  it.each<[string, BackfillEvent[], RegExp[]]>([
    [
      'a first run: first pass, then the count',
      [start(true), converge(0, 0, null, 12)],
      [
        /^backfill run #9 started: ~1,000,000 rows, batches sized for 200 ms$/,
        /^first pass done: 12 rows written; no eligible row left — converged$/,
      ],
    ],
    [
      'a run whose steps compress their WAL page images says with what',
      [start(true, 'lz4'), converge(0, 0, null, 12)],
      [/^backfill run #9 started: ~1,000,000 rows, batches sized for 200 ms, WAL page images compressed \(lz4\)$/, /^first pass done/],
    ],
    [
      'a run after a completed one that finds nothing',
      [start(false), converge(0, 0, null)],
      [/counts eligible rows first and runs the first pass only if it finds any$/, /^counted; no eligible row left — converged$/],
    ],
    [
      'a run after a completed one that finds rows: the first pass follows, then it is reported as such',
      [start(false), converge(0, 25, 0), converge(0, 0, null, 25)],
      [
        /only if it finds any$/,
        /^counted 25 eligible rows: the first pass follows$/,
        /^first pass done: 25 rows written; no eligible row left — converged$/,
      ],
    ],
    [
      'rows inserted behind the walk: a sweep follows',
      [start(true), converge(0, 3, 1, 10), converge(1, 0, null, 3)],
      [
        /started/,
        /^first pass done: 10 rows written; 3 eligible rows left \(written behind the walk\), sweeping again$/,
        /^convergence sweep 1 done: 3 rows written; no eligible row left — converged$/,
      ],
    ],
  ])('%s', (_name, events, expected) => {
    const printed = lines(events);
    expect(printed).toHaveLength(expected.length);
    printed.forEach((line, i) => expect(line).toMatch(expected[i]!));
  });
});

describe('the progress line', () => {
  it('a progress line shows done / estimated, rate, ETA and batch size', () => {
    expect(
      batchProgressText({
        event: 'batch',
        runId: 1,
        pass: 0,
        rangeNo: 0,
        step: 'batch',
        judgedAhead: false,
        batchSize: 5_000,
        rowsScanned: 5_000,
        rowsUpdated: 3_000,
        rowsApplicationWritten: 0,
        durationMs: 180,
        checkpoint: null,
        nextPage: 1_234,
        passRowsScanned: 420_000,
        totalRowsScanned: 420_000,
        totalRowsUpdated: 270_000,
        estimatedRows: 1_000_000,
        rowsPerSecond: 25_000,
        etaMs: 23_200,
        anomalies: {},
      }),
    ).toBe('42% 420,000/~1,000,000 rows · 270,000 updated · 25,000 rows/s · ETA 23s · batch 5,000');
  });
});

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
    const line = batchProgressLine(batch(), columns);
    expect(line.length).toBeLessThan(columns);
    expect(line).toMatch(/^(\[[#.]+\] )?12%/);
  });

  it('keeps the most useful parts first: percent and rows, then rate and ETA', () => {
    expect(batchProgressLine(batch(), 200)).toContain('batch 50,000');
    expect(batchProgressLine(batch(), 80)).toMatch(/rows\/s · ETA/);
    expect(batchProgressLine(batch(), 40)).toMatch(/^12% 12,345,678\/~98,765,432 rows/);
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

describe('JSON-lines progress', () => {
  it('each line is dated by the Runtime clock; only the start line carries the extra fields', () => {
    const clock = fakeClock(new Date('2026-12-05T12:00:00Z'));
    let out = '';
    const sink = jsonLinesSink((t) => (out += t), clock, { config_file: null });
    sink(start(true));
    clock.advance(2_000);
    sink(converge(0, 0, null, 12));
    const [first, second] = out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(first).toMatchObject({ event: 'start', time: '2026-12-05T12:00:00.000Z', config_file: null });
    expect(second).toMatchObject({ event: 'converge', time: '2026-12-05T12:00:02.000Z' });
    expect(second).not.toHaveProperty('config_file');
  });
});
