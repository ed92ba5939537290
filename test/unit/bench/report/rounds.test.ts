import { describe, expect, it } from 'vitest';
import { buildReport, headlineRows, judgeTargets, type ReportInput } from '../../../../bench/report/model.js';
import { ratiosByRound, representative, spreadOf } from '../../../../bench/report/rounds.js';
import { measurement } from '../../../harness/bench-measurement.js';

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
