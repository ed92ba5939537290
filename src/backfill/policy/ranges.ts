/**
 * Range planning for parallel workers: pure. A page walk cuts the heap into equal stretches of
 * pages; a key walk cuts the key space, without a single query and the same for every process
 * that plans it.
 */
import { TID_RANGE_SCAN_VERSION } from '../../db/server-version.js';
import type { KeyRange, PageRange, Walk } from '../../ledger/rows.js';

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
 *
 * Keys are random (v4) UUIDs, spread uniformly over the 128-bit key space, so equal slices of
 * the space hold nearly equal numbers of rows. PostgreSQL orders uuid values by their bytes,
 * which is the order of their hex text, so a split point computed here as a number sorts where
 * the database expects it.
 */
export function planKeyRanges(count: number): KeyRange[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`range count must be a positive integer, got ${count}`);
  const n = BigInt(count);
  const points: string[] = [];
  for (let i = 1n; i < n; i++) points.push(uuidFromBigInt((KEY_SPACE * i) / n - 1n));
  return Array.from({ length: count }, (_, i) => ({ lo: i === 0 ? null : points[i - 1]!, hi: i === count - 1 ? null : points[i]! }));
}

/**
 * `count` contiguous stretches of the heap's first `pages` pages (its size when the pass
 * begins), fewer when the heap has fewer pages, always at least one. A pass never walks past
 * them: pages added meanwhile hold only row versions written since — new rows, and rows moved
 * by an update, the pass's own included — which the count that ends the pass finds.
 */
export function planPageRanges(count: number, pages: number): PageRange[] {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`range count must be a positive integer, got ${count}`);
  const n = Math.max(1, Math.min(count, Math.floor(pages)));
  return Array.from({ length: n }, (_, i) => ({ first: Math.floor((pages * i) / n), end: Math.floor((pages * (i + 1)) / n) }));
}

/**
 * The walk of a new run: `auto` is the page walk where the server can read stretches of pages
 * (PostgreSQL 14 and newer), the key walk before; null when `page` is asked of a server that
 * cannot.
 */
export function walkFor(requested: 'auto' | Walk, serverVersionNum: number): Walk | null {
  const pages = serverVersionNum >= TID_RANGE_SCAN_VERSION;
  if (requested === 'auto') return pages ? 'page' : 'key';
  return requested === 'page' && !pages ? null : requested;
}
