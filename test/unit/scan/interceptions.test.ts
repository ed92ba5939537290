/**
 * Where a chunk looks for its interceptions: a window placed from where the chunks before it
 * found theirs. A wrong window costs index lookups, never a wrong result, so these cases pin
 * the placement, not correctness.
 */
import { describe, expect, it } from 'vitest';
import { InterceptionSteering, predictWindow, type InterceptionSpread } from '../../../src/scan/interceptions.js';

/** A chunk's spread: `rows` interceptions spread uniformly over [lo, hi). */
function uniform(from: number, to: number, lo: number, hi: number, rows = 1000): InterceptionSpread {
  let sum = 0;
  let squares = 0;
  for (let n = 0; n < rows; n++) {
    const page = lo + ((hi - lo) * (n + 0.5)) / rows;
    sum += page;
    squares += page * page;
  }
  return { from, to, rows, sum, squares };
}

const pages = { usages: 10_000, interceptions: 2_000 };

describe('predictWindow', () => {
  it('with nothing known: the same share of the interceptions table, with a margin', () => {
    expect(predictWindow({ from: 0, to: 100 }, { last: null, previous: null }, pages)).toEqual({ from: 0, to: 52 });
    expect(predictWindow({ from: 5_000, to: 5_100 }, { last: null, previous: null }, pages)).toEqual({ from: 984, to: 1_036 });
  });

  it('follows the slope between the last two chunks and covers the next chunk’s stretch', () => {
    // Interceptions advance one page per five usage pages, each chunk's spread 20 pages wide.
    const previous = uniform(0, 100, 0, 20);
    const last = uniform(100, 200, 20, 40);
    const window = predictWindow({ from: 200, to: 300 }, { last, previous }, pages)!;
    expect(window.from).toBeLessThanOrEqual(40);
    expect(window.to).toBeGreaterThanOrEqual(60);
    // Not the whole table: a few spreads wide.
    expect(window.to - window.from).toBeLessThan(80);
  });

  it('scales with the next chunk: twice the pages, about twice the window', () => {
    const previous = uniform(0, 100, 0, 20);
    const last = uniform(100, 200, 20, 40);
    const one = predictWindow({ from: 200, to: 300 }, { last, previous }, pages)!;
    const two = predictWindow({ from: 200, to: 400 }, { last, previous }, pages)!;
    expect(two.to - two.from).toBeGreaterThan(1.5 * (one.to - one.from));
  });

  it('never goes past the interceptions table, and gives none when it has no pages', () => {
    const last = uniform(9_900, 10_000, 1_990, 2_000);
    expect(predictWindow({ from: 10_000, to: 10_500 }, { last, previous: null }, pages)!.to).toBe(2_000);
    expect(predictWindow({ from: 0, to: 100 }, { last: null, previous: null }, { usages: 100, interceptions: 0 })).toBeNull();
  });

  it('gives no window when the last chunk’s interceptions lay all over the table: index lookups cost less', () => {
    const scattered = uniform(9_000, 9_100, 0, 2_000);
    expect(predictWindow({ from: 9_100, to: 9_200 }, { last: scattered, previous: null }, pages)).toBeNull();
  });

  it('ignores a backwards slope (rows moved by updates) and falls back to the tables’ ratio', () => {
    const previous = uniform(0, 100, 500, 520);
    const last = uniform(100, 200, 20, 40);
    const window = predictWindow({ from: 200, to: 300 }, { last, previous }, pages)!;
    expect(window.from).toBeGreaterThanOrEqual(0);
    expect(window.from).toBeLessThan(40);
  });
});

describe('InterceptionSteering', () => {
  it('keeps the two chunks nearest before the next one, whatever order they finished in', () => {
    const steering = new InterceptionSteering(pages);
    steering.observe(uniform(100, 200, 20, 40));
    steering.observe(uniform(0, 100, 0, 20));
    const a = steering.windowFor({ from: 200, to: 300 });
    const ordered = new InterceptionSteering(pages);
    ordered.observe(uniform(0, 100, 0, 20));
    ordered.observe(uniform(100, 200, 20, 40));
    expect(a).toEqual(ordered.windowFor({ from: 200, to: 300 }));
  });

  it('learns nothing from a chunk whose rows found no interception', () => {
    const steering = new InterceptionSteering(pages);
    steering.observe({ from: 0, to: 100, rows: 0, sum: 0, squares: 0 });
    expect(steering.windowFor({ from: 100, to: 200 })).toEqual(
      predictWindow({ from: 100, to: 200 }, { last: null, previous: null }, pages),
    );
  });
});
