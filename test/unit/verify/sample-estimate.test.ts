/**
 * The sample's estimator on a table made up here, page by page: unbiased over many samples,
 * and its 95% interval holding the truth about 95% of the time — not a binomial error that
 * would pretend rows on one page vary independently.
 */
import { describe, expect, it } from 'vitest';
import { estimateFigure, planReplicates, tQuantile, type Replicate } from '../../../src/verify/sample-estimate.js';
import { seededRandom } from '../../harness/seeded-random.js';

/** 5,000 pages of 40 rows; pending rows clustered: pages written after the backfill hold many. */
const PAGES = Array.from({ length: 5_000 }, (_, p) => ({ rows: 40, pending: p > 4_500 ? 30 : p % 97 === 0 ? 2 : 0 }));
const TRUTH = { rows: 200_000, pending: PAGES.reduce((s, p) => s + p.pending, 0) };

function sample(random: () => number, replicates: number, percent: number): Replicate[] {
  return Array.from({ length: replicates }, () => {
    const figures = { rows: 0, pending: 0 };
    for (const page of PAGES) {
      if (random() < percent / 100) {
        figures.rows += page.rows;
        figures.pending += page.pending;
      }
    }
    return { fraction: percent / 100, figures };
  });
}

describe('estimateFigure', () => {
  it('is unbiased and its 95% interval covers the truth about 95% of the time', () => {
    const random = seededRandom(42);
    const trials = 400;
    let covered = 0;
    let sum = 0;
    for (let n = 0; n < trials; n++) {
      const e = estimateFigure(sample(random, 10, 2), 'pending')!;
      sum += e.estimate;
      if (e.low <= TRUTH.pending && TRUTH.pending <= e.high) covered += 1;
    }
    expect(Math.abs(sum / trials - TRUTH.pending) / TRUTH.pending).toBeLessThan(0.03);
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(0.99);
  });

  it('estimates the table size too', () => {
    const e = estimateFigure(sample(seededRandom(7), 20, 5), 'rows')!;
    expect(e.low).toBeLessThanOrEqual(TRUTH.rows);
    expect(e.high).toBeGreaterThanOrEqual(TRUTH.rows);
  });

  it('pools replicates of different sizes by their share', () => {
    const replicates: Replicate[] = [
      { fraction: 0.01, figures: { x: 10 } },
      { fraction: 0.03, figures: { x: 30 } },
    ];
    expect(estimateFigure(replicates, 'x')).toEqual({ estimate: 1_000, standard_error: 0, low: 1_000, high: 1_000 });
  });

  it('gives no error from a single replicate', () => {
    expect(estimateFigure([{ fraction: 0.1, figures: { x: 1 } }], 'x')).toBeNull();
  });
});

describe('planReplicates', () => {
  it('at least ten, more for a large sample, each a share of the whole', () => {
    expect(planReplicates(1, 100_000, 5)).toHaveLength(10);
    const big = planReplicates(1, 100_000_000, 5);
    expect(big).toHaveLength(50);
    expect(big[0]).toEqual({ seed: 5, percent: 0.02 });
    expect(big.at(-1)!.seed).toBe(54);
  });
  it("Student's t for few replicates, the normal quantile for many", () => {
    expect(tQuantile(9)).toBeCloseTo(2.262);
    expect(tQuantile(100)).toBe(1.96);
  });
});
