/**
 * The key walk's window (PostgreSQL 13, and runs begun before the page walk): the next rows in
 * primary-key order after a key, within the range's upper bound.
 */
import { join, sql, type Sql } from '../../db/sql.js';

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

/** `t.id > lo AND t.id <= hi` for the bounds that are set; `true` for none. */
export function keyCondition(bounds: Pick<KeyWindow, 'lo' | 'hi'>): Sql {
  const parts: Sql[] = [];
  if (bounds.lo !== null) parts.push(sql`t.id > ${bounds.lo}::uuid`);
  if (bounds.hi !== null) parts.push(sql`t.id <= ${bounds.hi}::uuid`);
  return parts.length > 0 ? join(parts, ' AND ') : sql`true`;
}
