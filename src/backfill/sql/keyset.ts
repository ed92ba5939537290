/**
 * What every batch and count statement shares: the window of keys it covers. Built from quoted
 * identifiers only; every value (keys, sizes, times) is a $n parameter.
 */
import { constantLiteral } from '../../db/literal.js';

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
 * The tail of a count chunk's SELECT that picks its rows, with its parameters from $2 on ($1 is
 * the run's start). A page window is a TID range scan (PostgreSQL 14 and newer): it reads the
 * heap in order, as a sequential scan does, while a key window reads it in key order through
 * the primary key, one page visit per row.
 */
export function countChunkSql(window: CountWindow): { sql: string; values: unknown[] } {
  if (window.by === 'page') {
    // Offset 0 sorts below every real line pointer (they start at 1): [(from,0), (to,0)) is pages from..to-1.
    return { sql: 'WHERE t.ctid >= $2::tid AND t.ctid < $3::tid', values: [`(${window.from},0)`, `(${window.to},0)`] };
  }
  const cond = keyCondition({ lo: window.lo, hi: null }, 2);
  return { sql: `WHERE ${cond.sql}\n   ORDER BY t.id\n   LIMIT $${2 + cond.values.length}`, values: [...cond.values, window.size] };
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

/**
 * Counts by class as one jsonb for a batch's summary row: `{class: rows}` over the rows where
 * each class's condition holds, classes with no row left out.
 */
export function countsByClassSql(conditions: Readonly<Record<string, string>>): string {
  return `jsonb_strip_nulls(jsonb_build_object(${Object.entries(conditions)
    .map(([cls, holds]) => `${constantLiteral(cls)}, NULLIF(count(*) FILTER (WHERE ${holds}), 0)`)
    .join(', ')}))`;
}

/**
 * The one row a batch statement returns (src/backfill/run/batch.ts reads it), over the
 * statement's CTEs: `s`, the rows the batch read (with `existed`), and `u`, the rows it wrote.
 * `appWritten` says which read rows the application had already written; `anomalies` is a jsonb
 * of counts by class.
 */
export function batchSummarySql(appWritten: string, anomalies: string): string {
  return `SELECT count(*)::bigint AS scanned,
       count(*) FILTER (WHERE ${appWritten})::bigint AS app_written,
       count(*) FILTER (WHERE s.existed)::bigint AS existed,
       (SELECT count(*) FROM u)::bigint AS updated,
       (SELECT l.id::text FROM s AS l ORDER BY l.id DESC LIMIT 1) AS last_id,
       ${anomalies} AS anomalies
  FROM s`;
}
