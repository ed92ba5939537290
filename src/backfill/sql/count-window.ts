/**
 * What one chunk of the count that ends a pass covers, and how its rows are picked: the next
 * keys (PostgreSQL 13) or a stretch of heap pages.
 */
import { sql, type Sql } from '../../db/sql.js';
import type { KeyWindow } from './key-window.js';
import { keyCondition } from './key-window.js';
import { spanCondition } from './page-walk.js';

/** Pages [from, to) of the table's heap, in physical order. */
export interface PageWindow {
  from: number;
  to: number;
  /** The run's start: rows created at or before it existed when the run began. */
  existedBefore: Date;
}

/** What a chunk of the count covers: the next rows in key order, or a stretch of heap pages. */
export type CountWindow = ({ by: 'key' } & Omit<KeyWindow, 'hi'>) | ({ by: 'page' } & PageWindow);

/**
 * The tail of a count chunk's SELECT that picks its rows. A page window is a TID range scan
 * (PostgreSQL 14 and newer): it reads the heap in order, as a sequential scan does, while a key
 * window reads it in key order through the primary key, one page visit per row.
 */
export function countChunkSql(window: CountWindow): Sql {
  if (window.by === 'page') return sql`WHERE ${spanCondition(window)}`;
  return sql`WHERE ${keyCondition({ lo: window.lo, hi: null })}
   ORDER BY t.id
   LIMIT ${window.size}`;
}

/**
 * Planner settings local to a count chunk's transaction. A page window must be read as a TID
 * range scan: PostgreSQL estimates a ctid range with a default selectivity, and for a stretch
 * of a thousand pages or so it prefers a parallel sequential scan of the whole table with the
 * range as a filter (seen in the server log: 300 ms for a chunk that takes 30).
 */
export function countChunkSettings(window: CountWindow): Record<string, string> {
  return window.by === 'page' ? { enable_seqscan: 'off' } : {};
}
