/**
 * The page walk's plan for a window: which rows each round writes (never two of one page, fresh
 * pages dearer), and how many pages a judge and a window take.
 */
import { describe, expect, it } from 'vitest';
import {
  aheadJudgePages,
  FIRST_JUDGE_PAGES,
  judgePages,
  RoundQueue,
  rowsPerPageInRound,
  windowPages,
  type JudgedRow,
} from '../../../../src/backfill/policy/rounds.js';

const row = (page: number, n: number): JudgedRow => ({ page, line: `${page}-${n}` });

/** `rowsPerPage[i]` rows on page i. */
function queueOf(rowsPerPage: number[]): RoundQueue {
  const queue = new RoundQueue();
  queue.add(rowsPerPage.flatMap((count, page) => Array.from({ length: count }, (_, n) => row(page, n))));
  return queue;
}

/** Runs rounds until the queue is empty; each round's row ids. */
function drain(queue: RoundQueue, size: number, freshSize = size, perPage = 1): string[][] {
  const rounds: string[][] = [];
  while (queue.remaining > 0) {
    const { rows } = queue.peek({ fresh: freshSize, written: size }, perPage);
    rounds.push(rows.map((r) => r.line));
    queue.commit(rows);
  }
  return rounds;
}

describe('rounds of a window', () => {
  it('write at most one row per page, going round the pages, until every row is written once', () => {
    expect(drain(queueOf([2, 1, 3]), 2)).toEqual([['0-0', '1-0'], ['2-0'], ['0-1', '2-1'], ['2-2']]);
  });

  it('a budget above the pages that have rows left writes one row on each of them', () => {
    const rounds = drain(queueOf([3, 3, 3]), 100);
    expect(rounds).toEqual([
      ['0-0', '1-0', '2-0'],
      ['0-1', '1-1', '2-1'],
      ['0-2', '1-2', '2-2'],
    ]);
  });

  it('a round takes rows of one kind: pages the window has not written yet, or pages it has, each kind its own size', () => {
    const queue = queueOf([2, 2, 2, 2, 1]);
    const sizes = { fresh: 2, written: 10 };
    const kinds: string[] = [];
    const rounds: string[][] = [];
    while (queue.remaining > 0) {
      const round = queue.peek(sizes);
      expect(round.kind).toBe(queue.nextKind);
      kinds.push(round.kind);
      rounds.push(round.rows.map((r) => r.line));
      queue.commit(round.rows);
    }
    expect(kinds).toEqual(['fresh', 'fresh', 'fresh', 'written']);
    expect(rounds).toEqual([['0-0', '1-0'], ['2-0', '3-0'], ['4-0'], ['0-1', '1-1', '2-1', '3-1']]);
  });

  it('a fresh round stops where written pages begin, and a written one where fresh pages begin', () => {
    const queue = queueOf([3, 3, 3]);
    queue.commit(queue.peek({ fresh: 1, written: 10 }).rows);
    // Page 0 is written now; pages 1 and 2 are fresh, and the ring goes on from page 1.
    expect(queue.peek({ fresh: 10, written: 10 })).toMatchObject({ kind: 'fresh', rows: [{ line: '1-0' }, { line: '2-0' }] });
  });

  it('two rows a page: each round takes up to two of each page, going round, within its size', () => {
    expect(drain(queueOf([3, 1, 4]), 100, 100, 2)).toEqual([
      ['0-0', '0-1', '1-0', '2-0', '2-1'],
      ['0-2', '2-2', '2-3'],
    ]);
    // A size that ends inside a page's pair: the ring goes on after that page (a fresh one next),
    // and the page's other row waits its turn.
    expect(drain(queueOf([2, 2, 2]), 3, 3, 2)).toEqual([['0-0', '0-1', '1-0'], ['2-0', '2-1'], ['1-1']]);
  });

  it('a round always writes a row; an empty queue gives none', () => {
    expect(queueOf([1]).peek({ fresh: 0, written: 0 }).rows).toHaveLength(1);
    expect(new RoundQueue().peek({ fresh: 5, written: 5 })).toEqual({ kind: 'written', rows: [] });
  });

  it('refuses rows out of physical order (a judge returns them in page order)', () => {
    const queue = new RoundQueue();
    queue.add([row(5, 0)]);
    expect(() => queue.add([row(4, 0)])).toThrow(/out of physical order: page 4 after 5/);
  });
});

describe('rows of a page per round', () => {
  it.each([
    ['two without a rate limit: half the prune records of one', { rateLimited: false }, 2],
    ['one under a rate limit: the limit sets the time, and fewer rows leave their page', { rateLimited: true }, 1],
  ] as const)('%s', (_, input, rows) => {
    expect(rowsPerPageInRound(input)).toBe(rows);
  });
});

describe('judge and window sizes', () => {
  it('a judge reads a few pages first, then as many as hold the rows it is sized for', () => {
    expect(judgePages(5_000, null)).toBe(FIRST_JUDGE_PAGES);
    expect(judgePages(5_000, { pages: 4, scanned: 160 })).toBe(125);
    expect(judgePages(10, { pages: 4, scanned: 160 })).toBe(1);
  });

  it.each([
    ['a normal judge before the first judge read ahead has timed a page', { judge: 400, roundMs: 30, msPerPage: null }, 400],
    ['as many pages as the round beside it takes time for', { judge: 400, roundMs: 30, msPerPage: 0.2 }, 150],
    ['never more than a normal judge, however long the round', { judge: 400, roundMs: 500, msPerPage: 0.2 }, 400],
    ['never under a quarter of a normal judge, however short the round', { judge: 400, roundMs: 2, msPerPage: 0.2 }, 100],
    ['a quarter rounded up, so at least one page', { judge: 1, roundMs: 0, msPerPage: 5 }, 1],
  ])('a judge read ahead: %s', (_, input, pages) => {
    expect(aheadJudgePages(input)).toBe(pages);
  });

  const pace = { walBytes: 64 * 1024 * 1024, timeoutMs: 300_000, hintsLogged: false };
  it.each([
    [
      'the round size, when checkpoints are far apart',
      { roundSize: 300, perPage: 1, msPerPage: null, rowsPerPage: null, maxRowsPerSecond: null },
      300,
      'round',
    ],
    [
      'half the round size at two rows a page, so that a round still writes its size',
      { roundSize: 300, perPage: 2, msPerPage: null, rowsPerPage: null, maxRowsPerSecond: null },
      150,
      'round',
    ],
    [
      'a tenth of the WAL between checkpoints, at 16 kB a page',
      { roundSize: 5_000, perPage: 2, msPerPage: null, rowsPerPage: null, maxRowsPerSecond: null },
      409,
      'wal',
    ],
    [
      'a tenth of checkpoint_timeout, at the last window’s pace',
      { roundSize: 5_000, perPage: 2, msPerPage: 100, rowsPerPage: null, maxRowsPerSecond: null },
      300,
      'time',
    ],
    [
      'a tenth of checkpoint_timeout, at the rate limit',
      { roundSize: 5_000, perPage: 1, msPerPage: 1, rowsPerPage: 40, maxRowsPerSecond: 100 },
      75,
      'time',
    ],
    [
      'the round size when it equals the WAL bound',
      { roundSize: 819.2, perPage: 2, msPerPage: null, rowsPerPage: null, maxRowsPerSecond: null },
      409,
      'round',
    ],
  ])('%s', (_name, input, pages, bound) => {
    expect(windowPages({ ...input, pace })).toEqual({ pages, bound });
  });
});
