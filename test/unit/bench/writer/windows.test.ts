/** The benchmark's pure parts: option parsing, percentiles, windows, targets, events, chart. */
import { describe, expect, it } from 'vitest';
import { batchPoints, throughputBuckets } from '../../../../bench/batch-events.js';
import type { Measurement } from '../../../../bench/measure.js';
import { parseBenchArgs } from '../../../../bench/options.js';
import { niceTicks, renderBatchChart } from '../../../../bench/report/chart.js';
import { buildReport, headlineRows, judgeTargets, type ReportInput } from '../../../../bench/report/model.js';
import { ratiosByRound, representative, spreadOf } from '../../../../bench/report/rounds.js';
import { percentile, summarizeLatencies } from '../../../../bench/stats.js';
import { summarizeWindows } from '../../../../bench/writer/windows.js';
import type { LoadedRun } from '../../../../bench/load.js';

describe('parseBenchArgs', () => {
  it.each([
    [[], { rows: 1_000_000, contenders: ['a', 'b', 'c', 'd', 'e', 'f'], rounds: 1, load: true, build: true, writerRate: 50 }],
    [['--rows', '10_000_000', '--shared-buffers', '128MB'], { rows: 10_000_000, sharedBuffers: '128MB' }],
    [['--only', 'c,a', '--no-load'], { contenders: ['a', 'c'], load: false }],
    [['--only', 'b,d,e', '--no-build'], { contenders: ['b', 'd', 'e'], build: false }],
    [['--rounds', '5'], { rounds: 5 }],
    [[], { replica: false }],
    [['--replica', '--only', 'a,b'], { replica: true, contenders: ['a', 'b'] }],
  ])('%j → %j', (argv, expected) => {
    const parsed = parseBenchArgs(argv);
    expect(parsed.status).toBe('ok');
    if (parsed.status === 'ok') expect(parsed.options).toMatchObject(expected);
  });

  it.each([
    [['--rows', 'many'], /--rows must be an integer/],
    [['--rows', '10'], /--rows must be an integer ≥ 100/],
    [['--rounds', '0'], /--rounds must be an integer ≥ 1/],
    [['--rounds', '50'], /more than 20/],
    [['--only', 'a,x'], /unknown contender\(s\) x/],
    [['--only', 'a,d'], /\(d\) runs on the clone \(b\) backfilled; add b/],
    [['--writer-rate', '5000'], /above 1000/],
    [['--shared-buffers', 'lots'], /--shared-buffers must be a size like 128MB/],
    [['--rowz', '5'], /Unknown option '--rowz'/],
    [
      ['--replica', '--server-url', 'postgres://db/x'],
      /--replica makes a standby of the embedded server; it cannot be combined with --server-url/,
    ],
  ])('rejects %j', (argv, message) => {
    const parsed = parseBenchArgs(argv);
    expect(parsed.status).toBe('invalid');
    if (parsed.status === 'invalid') expect(parsed.problems.join('\n')).toMatch(message);
  });

  it('reports every problem at once', () => {
    const parsed = parseBenchArgs(['--rows', 'x', '--idle-seconds', '0']);
    expect(parsed.status === 'invalid' && parsed.problems).toHaveLength(2);
  });
});

describe('percentiles', () => {
  it.each([
    [[], 50, null],
    [[5], 99, 5],
    [[1, 2, 3, 4], 50, 2],
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
    [Array.from({ length: 200 }, (_, i) => i + 1), 99, 198],
  ])('nearest rank of %j at p%d is %j', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('summarizes unsorted input', () => {
    expect(summarizeLatencies([30, 10, 20])).toEqual({ count: 3, p50Ms: 20, p99Ms: 30, maxMs: 30 });
  });
});

describe('summarizeWindows', () => {
  it('puts a statement in the window it was due in, however late it finished', () => {
    const samples = [
      { dueAt: 100, latencyMs: 2, kind: 'insert' as const, ok: true },
      { dueAt: 199, latencyMs: 5000, kind: 'update' as const, ok: true },
      { dueAt: 200, latencyMs: 900, kind: 'insert' as const, ok: false },
    ];
    const [idle, during] = summarizeWindows(samples, [
      { name: 'idle', from: 0, to: 200 },
      { name: 'a', from: 200, to: 300 },
    ]);
    expect(idle).toMatchObject({ count: 2, maxMs: 5000, errors: 0, durationMs: 200 });
    expect(during).toMatchObject({ count: 1, maxMs: 900, errors: 1 });
  });
});

function measurement(id: Measurement['id'], fields: Partial<Measurement>): Measurement {
  return {
    id,
    label: id,
    round: 1,
    status: 'ok',
    error: null,
    steps: [],
    wallMs: 1000,
    rowsPerSecond: 0,
    walBytes: 1000,
    heapBytesAfter: 1000,
    indexBytesAfter: 0,
    rowsUpdated: 0,
    hotUpdated: 0,
    hotShare: null,
    fullPageImages: null,
    checkpoints: null,
    blocks: { heapRead: 0, heapHit: 0, indexRead: 0, indexHit: 0 },
    longestTransaction: {
      longestMs: 0,
      longestApplication: null,
      longestQuery: null,
      transactionsSeen: 0,
      longestWritingMs: 0,
      longestWritingQuery: null,
      samples: 0,
      intervalMs: 20,
      backendCpuMs: null,
    },
    batches: 0,
    longestBatchMs: null,
    peakRssBytes: null,
    rssMethod: null,
    columnSums: null,
    loadAverage: [0, 0],
    ...fields,
  };
}

function loaded(id: LoadedRun['id'], idleP99: number, duringP99: number): LoadedRun {
  const window = (name: string, p99: number) => ({ name, durationMs: 1, errors: 0, count: 10, p50Ms: 1, p99Ms: p99, maxMs: p99 });
  return {
    id,
    label: id,
    status: 'ok',
    error: null,
    wallMs: 1,
    idle: window('idle', idleP99),
    during: window(id, duringP99),
    writerErrors: 0,
    writerFirstError: null,
    abandonedStatements: 0,
  };
}

describe('judgeTargets', () => {
  const a = measurement('a', { wallMs: 10_000, walBytes: 600, heapBytesAfter: 340 });
  const load = {
    writerRate: 50,
    idleSeconds: 5,
    poolSize: 4,
    idleBaseline: { count: 20, p50Ms: 1, p99Ms: 2, maxMs: 3 },
    // The pooled baseline is what (b) is judged against, not (b)'s own idle window.
    runs: [loaded('a', 2, 900), loaded('b', 1, 5)],
  };

  it('judges each target against its limit, with the factor', () => {
    const targets = judgeTargets(
      [
        a,
        measurement('b', {
          wallMs: 7000,
          walBytes: 420,
          heapBytesAfter: 190,
          longestTransaction: {
            longestMs: 300,
            longestApplication: 'x',
            longestQuery: null,
            transactionsSeen: 9,
            longestWritingMs: 200,
            longestWritingQuery: null,
            samples: 9,
            intervalMs: 20,
            backendCpuMs: 900,
          },
        }),
        measurement('d', { wallMs: 400 }),
        measurement('e', { wallMs: 1500 }),
      ],
      load,
    );
    const byId = Object.fromEntries(targets.map((t) => [t.id, t]));
    expect(byId['b-wall']).toMatchObject({ value: 0.7, met: true });
    expect(byId['b-longest-transaction']).toMatchObject({ value: 300, met: false, factor: 1.2 });
    expect(byId['b-wal']).toMatchObject({ value: 0.7, met: false });
    expect(byId['b-heap']!.met).toBe(true);
    expect(byId['d-wall']).toMatchObject({ value: 0.04, met: true });
    expect(byId['e-wall']).toMatchObject({ value: 0.15, met: false });
    expect(byId['writer-p99']).toMatchObject({ value: 2.5, met: false });
  });

  it('says why a target could not be judged: not run, or failed', () => {
    const targets = judgeTargets([a, measurement('b', { status: 'failed' })], null);
    const byId = Object.fromEntries(targets.map((t) => [t.id, t]));
    expect(byId['b-wall']).toMatchObject({ met: null, value: null, why: '(b) failed' });
    expect(byId['d-wall']!.why).toBe('(d) was not run');
    expect(byId['writer-p99']!.why).toBe('the load phase was skipped');
  });
});

describe('rounds: ratios within a round, the median and the spread', () => {
  // Round 2 ran on a slower machine moment: every wall doubled. A ratio of averages would mix
  // the rounds; the ratio within each round does not.
  const rounds = [
    measurement('a', { round: 1, wallMs: 10_000 }),
    measurement('b', { round: 1, wallMs: 8_000 }),
    measurement('c', { round: 1, wallMs: 7_000 }),
    measurement('b', { round: 2, wallMs: 14_000 }),
    measurement('a', { round: 2, wallMs: 20_000 }),
    measurement('c', { round: 2, wallMs: 16_000 }),
    measurement('a', { round: 3, wallMs: 11_000 }),
    measurement('b', { round: 3, wallMs: 9_900, status: 'failed' }),
  ];

  it('pairs each contender with the (a) of its own round; a failed side leaves that round out', () => {
    expect(ratiosByRound(rounds, 'b', 'a')).toEqual([0.8, 0.7, null]);
    expect(ratiosByRound(rounds, 'b', 'c').map((r) => r && Number(r.toFixed(4)))).toEqual([1.1429, 0.875, null]);
  });

  it.each([
    [[0.8, 0.7, null], { median: 0.7, min: 0.7, max: 0.8, rounds: 2 }],
    [[0.9, 0.6, 0.75], { median: 0.75, min: 0.6, max: 0.9, rounds: 3 }],
    [[null, null], null],
  ])('spread of %j is %j (the median is a ratio some round produced)', (values, expected) => {
    expect(spreadOf(values)).toEqual(expected);
  });

  it('the main table shows, per contender, the round at its median ratio to (a) — one real run, not a blend', () => {
    expect(representative(rounds, 'b')?.round).toBe(2);
    expect(representative(rounds, 'a')?.round).toBe(3);
    const report = buildReport({ ...reportShell, measurements: rounds });
    expect(report.rounds).toBe(3);
    expect(headlineRows(report).map((c) => [c.id, c.round])).toEqual([
      ['a', 3],
      ['b', 2],
      ['c', 1],
    ]);
    expect(report.contenders.find((c) => c.id === 'b' && c.round === 2)!.ratioToA).toBe(0.7);
  });

  it('judges wall ratios by the median round and transaction lengths by the worst round', () => {
    const slowTxn = { ...rounds[1]!.longestTransaction, longestMs: 320 };
    const targets = judgeTargets(
      rounds.map((m) => (m.id === 'b' && m.round === 1 ? { ...m, longestTransaction: slowTxn } : m)),
      null,
    );
    const byId = Object.fromEntries(targets.map((t) => [t.id, t]));
    expect(byId['b-wall']).toMatchObject({ value: 0.7, met: true });
    expect(byId['b-longest-transaction']).toMatchObject({ value: 320, met: false });
  });
});

const reportShell: Omit<ReportInput, 'measurements'> = {
  startedAt: '2026-12-02T00:00:00Z',
  finishedAt: '2026-12-02T00:10:00Z',
  durationMs: 600_000,
  command: 'npm run bench -- --rounds 3',
  git: { commit: null, dirty: null },
  machine: { cpus: 2, totalMemoryBytes: 1, node: 'v20', loadAverageAtStart: [0], loadAverageAtEnd: [0], runnerPeakRssBytes: 1 },
  server: { description: 'test', version: 'PostgreSQL 15', settings: {} },
  dataset: { shape: 'narrow', rows: 1000, seed: 1, heapBytes: 1, indexBytes: 1, rowsWithMetadata: 1, generateMs: 1 },
  cli: { invocation: 'cli', startupMs: null, build: 'not needed' },
  load: null,
  toolkitBatches: [],
  notes: [],
};

describe('batch events', () => {
  const lines = [
    { atMs: 100, value: { event: 'start' } },
    { atMs: 300, value: { event: 'batch', durationMs: 40, rowsScanned: 5000, rowsUpdated: 3000 } },
    { atMs: 900, value: { type: 'batch', duration_ms: 60, rows_scanned: '5000' } },
    { atMs: 950, value: { event: 'batch_started' } },
    { atMs: 1200, value: 'not an object' },
  ];

  it('reads batch events in either naming style and ignores the rest', () => {
    expect(batchPoints(lines)).toEqual([
      { atMs: 300, durationMs: 40, rowsScanned: 5000, rowsUpdated: 3000 },
      { atMs: 900, durationMs: 60, rowsScanned: 5000, rowsUpdated: null },
    ]);
  });

  it('buckets throughput by when batches ended', () => {
    expect(throughputBuckets(batchPoints(lines), 500)).toEqual([
      { fromS: 0, rowsPerSecond: 10_000 },
      { fromS: 0.5, rowsPerSecond: 10_000 },
    ]);
  });

  it('draws one dot per batch', () => {
    const svg = renderBatchChart(batchPoints(lines), { title: 'a <b> & c' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).toContain('a &lt;b&gt; &amp; c');
  });
});

describe('niceTicks', () => {
  it.each([
    [0, [0]],
    [7, [0, 2, 4, 6, 8]],
    [1000, [0, 200, 400, 600, 800, 1000]],
    [0.3, [0, 0.1, 0.2, 0.3]],
  ])('%d → %j', (max, expected) => {
    expect(niceTicks(max)).toEqual(expected);
  });
});
