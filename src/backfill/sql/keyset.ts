/**
 * What every batch and count statement shares: the window of keys it covers. Built from quoted
 * identifiers only; every value (keys, sizes, times) is a $n parameter.
 */

/** Keys after `lo` (within `hi`, when set), at most `size` rows. */
export interface KeyWindow {
  /** Exclusive; null = from the first key. */
  lo: string | null;
  /** The range's inclusive upper bound; null = through the last key. */
  hi: string | null;
  size: number;
  /** The run's start: rows created at or before it existed when the run began. */
  existedBefore: Date;
}

/** `t.id > $n AND t.id <= $m` for the bounds that are set, with their values. */
export function keyCondition(bounds: Pick<KeyWindow, 'lo' | 'hi'>, firstParam: number): { sql: string; values: string[] } {
  const parts: string[] = [];
  const values: string[] = [];
  if (bounds.lo !== null) {
    values.push(bounds.lo);
    parts.push(`t.id > $${firstParam + values.length - 1}::uuid`);
  }
  if (bounds.hi !== null) {
    values.push(bounds.hi);
    parts.push(`t.id <= $${firstParam + values.length - 1}::uuid`);
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : 'true', values };
}

/** A statement and its parameters. */
export interface Statement {
  text: string;
  values: unknown[];
}
