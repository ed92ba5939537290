/** Failing rows summed per session across chunks: merged, ranked, and bounded in memory. */
import { describe, expect, it } from 'vitest';
import { SessionDiffs } from '../../../src/verify/sessions.js';

const row = (session: string | null, rows: number, read: number, write = 0) => ({
  session,
  rows: String(rows),
  diff_read: String(read),
  diff_write: String(write),
});

describe('SessionDiffs', () => {
  it('merges a session met in several chunks and ranks by |read| + |write|, ties by key, null first', () => {
    const diffs = new SessionDiffs();
    diffs.add([row('b', 1, -10), row(null, 2, -5, -5)]);
    diffs.add([row('b', 1, -5), row('a', 1, 0, 10), row('c', 1, 7, -7)]);
    expect(diffs.summary(10)).toEqual({
      withFailingRows: 4,
      differing: 4,
      top: [
        { session: 'b', rows: 2, diffRead: -15n, diffWrite: 0n },
        { session: 'c', rows: 1, diffRead: 7n, diffWrite: -7n },
        { session: null, rows: 2, diffRead: -5n, diffWrite: -5n },
        { session: 'a', rows: 1, diffRead: 0n, diffWrite: 10n },
      ],
    });
    expect(diffs.summary(1).top.map((s) => s.session)).toEqual(['b']);
  });

  it('leaves out sessions whose failing rows cancel when some differ, and lists them when none does', () => {
    const some = new SessionDiffs();
    some.add([row('x', 2, 5), row('x', 1, -5), row('y', 1, 3)]);
    expect(some.summary(10)).toMatchObject({ withFailingRows: 2, differing: 1, top: [{ session: 'y' }] });
    const none = new SessionDiffs();
    none.add([row('x', 2, 5), row('x', 1, -5)]);
    expect(none.summary(10)).toMatchObject({ withFailingRows: 1, differing: 0, top: [{ session: 'x', diffRead: 0n }] });
  });

  it('gives up past its limit rather than hold every session', () => {
    const diffs = new SessionDiffs(2);
    expect(diffs.add([row('a', 1, 1), row('b', 1, 1)])).toBe(true);
    expect(diffs.add([row('c', 1, 1)])).toBe(false);
    expect(diffs.complete).toBe(false);
  });
});
