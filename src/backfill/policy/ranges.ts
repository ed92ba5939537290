/**
 * Range planning for parallel workers: pure. Keys are random (v4) UUIDs, spread uniformly over
 * the 128-bit key space, so cutting the key space into equal slices cuts the rows into nearly
 * equal slices too — without a single query, and the same for every process that plans it.
 *
 * PostgreSQL orders uuid values by their bytes, which is the order of their hex text, so a
 * split point computed here as a number sorts where the database expects it.
 */

import type { KeyRange } from '../../ledger/rows.js';

const KEY_BITS = 128n;
const KEY_SPACE = 1n << KEY_BITS;

/** More ranges than workers so a slow range does not leave the others idle at the end. */
export const RANGES_PER_WORKER = 4;
export const MIN_RANGES = 8;
export const MAX_RANGES = 256;

/** How many ranges a run started with `workers` workers is cut into. */
export function rangeCount(workers: number): number {
  return Math.min(MAX_RANGES, Math.max(MIN_RANGES, Math.floor(workers) * RANGES_PER_WORKER));
}

/** The 128-bit number as a canonical UUID text (8-4-4-4-12 lower-case hex). */
export function uuidFromBigInt(value: bigint): string {
  if (value < 0n || value >= KEY_SPACE) throw new RangeError(`key ${value} is outside the 128-bit key space`);
  const hex = value.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * `count` contiguous ranges covering the whole key space: the first open below, the last open
 * above, each split point at i/count of the space. A key equal to a split point belongs to the
 * range below it, as `(lo, hi]` says.
 */
export function planKeyRanges(count: number): KeyRange[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`range count must be a positive integer, got ${count}`);
  const n = BigInt(count);
  const points: string[] = [];
  for (let i = 1n; i < n; i++) points.push(uuidFromBigInt((KEY_SPACE * i) / n - 1n));
  return Array.from({ length: count }, (_, i) => ({ lo: i === 0 ? null : points[i - 1]!, hi: i === count - 1 ? null : points[i]! }));
}
