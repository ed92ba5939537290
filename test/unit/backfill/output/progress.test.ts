/**
 * What an operator reads on stderr at the start and at the end of each pass: whether the run
 * walks every key or only counts, and what the count found.
 */
import { describe, expect, it } from 'vitest';
import type { BackfillEvent } from '../../../../src/backfill/events.js';
import { textSink } from '../../../../src/backfill/output/progress.js';

const start = (keyedPass: boolean): BackfillEvent => ({
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
