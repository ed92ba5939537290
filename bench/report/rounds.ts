/**
 * Several rounds of the same contenders, side by side. On a shared machine two runs a minute
 * apart drift (page cache, CPU steal, checkpoints) by as much as the differences being measured,
 * so a ratio is taken within a round — (b) against the (a) measured next to it — and the rounds'
 * ratios are summarised by their median and spread, never by comparing averages of walls.
 * Pure: computed from measurements only.
 */
import type { Measurement } from '../measure.js';
import type { ContenderId } from '../options.js';
import { percentile } from '../stats.js';

/** Numerator / denominator of two contenders measured in the same round. */
export type Quantity = (m: Measurement) => number;

export const wall: Quantity = (m) => m.wallMs;

export function roundNumbers(measurements: readonly Measurement[]): number[] {
  return [...new Set(measurements.map((m) => m.round))].sort((x, y) => x - y);
}

/** The contender's successful measurement in that round, if any. */
export function okIn<M extends Measurement>(measurements: readonly M[], id: ContenderId, round: number): M | undefined {
  return measurements.find((m) => m.id === id && m.round === round && m.status === 'ok');
}

/** One entry per round: the ratio within that round, or null when either side failed or was not run. */
export function ratiosByRound(
  measurements: readonly Measurement[],
  numerator: ContenderId,
  denominator: ContenderId,
  quantity: Quantity = wall,
): (number | null)[] {
  return roundNumbers(measurements).map((round) => {
    const n = okIn(measurements, numerator, round);
    const d = okIn(measurements, denominator, round);
    return n && d && quantity(d) > 0 ? quantity(n) / quantity(d) : null;
  });
}

export interface Spread {
  /** Nearest-rank median: a ratio one round actually produced. */
  median: number;
  min: number;
  max: number;
  rounds: number;
}

export function spreadOf(values: readonly (number | null)[]): Spread | null {
  const sorted = values.filter((v): v is number => v !== null).sort((x, y) => x - y);
  if (sorted.length === 0) return null;
  return { median: percentile(sorted, 50)!, min: sorted[0]!, max: sorted.at(-1)!, rounds: sorted.length };
}

/**
 * The measurement that stands for a contender in the main table: the round whose ratio to (a)
 * is the median (for (a) itself, its median wall), so the row's figures belong to one real run.
 */
export function representative<M extends Measurement>(measurements: readonly M[], id: ContenderId): M | undefined {
  const ratios = id === 'a' ? null : ratiosByRound(measurements, id, 'a');
  const keyed = roundNumbers(measurements)
    .flatMap((round, i) => {
      const m = okIn(measurements, id, round);
      const key = ratios ? ratios[i] : m?.wallMs;
      return m && key !== null && key !== undefined ? [{ m, key }] : [];
    })
    .sort((x, y) => x.key - y.key);
  if (keyed.length === 0) return measurements.find((m) => m.id === id && m.status === 'ok') ?? measurements.find((m) => m.id === id);
  return keyed[Math.ceil(keyed.length / 2) - 1]!.m;
}

/** The contender's round with the longest transaction: a transaction limit holds only if it held every time. */
export function worstRound<M extends Measurement>(measurements: readonly M[], id: ContenderId): M | undefined {
  return measurements
    .filter((m) => m.id === id && m.status === 'ok')
    .reduce<M | undefined>(
      (worst, m) => (!worst || m.longestTransaction.longestMs > worst.longestTransaction.longestMs ? m : worst),
      undefined,
    );
}
