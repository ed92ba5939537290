/**
 * `verify --sample`: whole-table figures estimated from independent page samples, with their
 * sampling error, so a sample says how far it can be trusted. Pure.
 */
import type { Estimate } from '../report/model.js';

export interface Replicate {
  /** The share of pages the replicate asked for (percent / 100). */
  fraction: number;
  /** Each figure's sum over the rows the replicate read. */
  figures: Record<string, number>;
}

/** Student's t, 97.5% quantile, by degrees of freedom (1-30); 1.96 beyond. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tQuantile(degrees: number): number {
  return T_975[degrees - 1] ?? 1.96;
}

/**
 * The estimate of one figure; null with fewer than two replicates (no error to speak of).
 *
 * The sample is k replicates, each one TABLESAMPLE SYSTEM statement: every heap page is in
 * replicate i with probability q_i, independently of the others (PostgreSQL hashes the page
 * number with the replicate's seed). For a figure T that is a sum over rows (a count of a
 * class, a token total), let y_p be its sum over the rows of page p and S_i the sum over the
 * pages of replicate i. Then
 *
 *   E[S_i] = q_i·T,   Var(S_i) = q_i(1 − q_i)·V,   V = Σ_p y_p²
 *
 * and the pooled estimate   T̂ = Σ S_i / Σ q_i   is unbiased. Each replicate alone estimates
 * T_i = S_i / q_i with E[q_i(T_i − T)²] = (1 − q_i)·V ≈ V (q_i is small), so
 *
 *   V̂ = Σ q_i (T_i − T̂)² / (k − 1),   SE(T̂) = √(V̂ / Σ q_i)
 *
 * (for equal q_i: the standard error of the mean of the k replicate estimates). The interval
 * is T̂ ± t·SE with Student's t at k − 1 degrees of freedom, 95%. The error is that of
 * sampling pages, not rows: rows on one page are alike (written at about the same time, by the
 * same backfill batch or none), so a page is the unit that varies, and a binomial error per
 * row would claim far more certainty than the sample has. A class no replicate saw is
 * estimated as 0 ± 0, which proves nothing about rare rows: only a full verify does.
 */
export function estimateFigure(replicates: readonly Replicate[], figure: string): Estimate | null {
  const k = replicates.length;
  const totalFraction = replicates.reduce((sum, r) => sum + r.fraction, 0);
  if (k < 2 || totalFraction <= 0) return null;
  const estimate = replicates.reduce((sum, r) => sum + (r.figures[figure] ?? 0), 0) / totalFraction;
  const spread = replicates.reduce((sum, r) => sum + r.fraction * ((r.figures[figure] ?? 0) / r.fraction - estimate) ** 2, 0) / (k - 1);
  const standardError = Math.sqrt(spread / totalFraction);
  const half = tQuantile(k - 1) * standardError;
  return {
    estimate: Math.round(estimate),
    standard_error: Math.round(standardError),
    low: Math.floor(estimate - half),
    high: Math.ceil(estimate + half),
  };
}

/** Every figure the replicates carry, estimated. */
export function estimateFigures(replicates: readonly Replicate[]): Record<string, Estimate> {
  const names = new Set(replicates.flatMap((r) => Object.keys(r.figures)));
  const out: Record<string, Estimate> = {};
  for (const name of names) {
    const e = estimateFigure(replicates, name);
    if (e) out[name] = e;
  }
  return out;
}

/** Replicates at least: enough for the spread between them to say something. */
export const MIN_REPLICATES = 10;
/** Rows a replicate is aimed at: one short statement each. */
export const ROWS_PER_REPLICATE = 20_000;

/**
 * How a sample of `percent`% of the pages is taken: k replicates of percent/k each, as many as
 * keep each near ROWS_PER_REPLICATE rows, at least MIN_REPLICATES. Seeds are consecutive from
 * `seed`, so a run can be repeated exactly on an unchanged table.
 */
export function planReplicates(percent: number, estimatedRows: number, seed: number): { seed: number; percent: number }[] {
  const rows = Math.max(0, estimatedRows) * (percent / 100);
  const k = Math.max(MIN_REPLICATES, Math.ceil(rows / ROWS_PER_REPLICATE));
  return Array.from({ length: k }, (_, n) => ({ seed: seed + n, percent: percent / k }));
}
