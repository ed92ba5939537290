/**
 * What one chunk statement of a scan reads, and the SQL that restricts a table to it. Pure.
 *
 * - `pages`: heap pages [from, to), a TID range scan (PostgreSQL 14 and newer). It reads the
 *   heap in physical order like a sequential scan, and a chunk costs what its pages hold.
 * - `keys`: a slice [from, to) of the uuid key space, as shares of it (before 14, which has no
 *   TID range scan). The keys are random v4 uuids, so equal slices hold about equal rows.
 * - `sample`: one TABLESAMPLE SYSTEM replicate of the whole table (--sample): every page is
 *   in it with probability `percent`/100, independently, decided by a hash of the page number
 *   and `seed`.
 */
import { join, quoted, sql, type Sql } from '../db/sql.js';

export type ScanWindow =
  { by: 'pages'; from: number; to: number } | { by: 'keys'; from: number; to: number } | { by: 'sample'; seed: number; percent: number };

/** Hex digits of a key that a share of the key space decides; the rest of a bound is zeros. */
const KEY_DIGITS = 12;

/** The smallest uuid at `share` of the key space (0 ≤ share < 1). */
export function keyAt(share: number): string {
  const hex = Math.min(16 ** KEY_DIGITS - 1, Math.max(0, Math.floor(share * 16 ** KEY_DIGITS)))
    .toString(16)
    .padStart(KEY_DIGITS, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

export interface WindowSql {
  /** The FROM item: the table under `alias`, sampled for a `sample` window. */
  from: Sql;
  /** A condition on `alias` (`true` when the FROM item alone restricts it). */
  where: Sql;
}

/** `table AS alias` restricted to `window` (`table` quoted by identifier.ts); every bound is a parameter. */
export function windowSql(window: ScanWindow, table: string, alias: Sql): WindowSql {
  const from = sql`${quoted(table)} AS ${alias}`;
  switch (window.by) {
    case 'pages':
      // Line pointers start at 1, so (n,0) sorts below every row of page n: [(from,0), (to,0))
      // is pages from..to-1, whatever they hold.
      return { from, where: sql`${alias}.ctid >= ${`(${window.from},0)`}::tid AND ${alias}.ctid < ${`(${window.to},0)`}::tid` };
    case 'keys': {
      const parts: Sql[] = [];
      if (window.from > 0) parts.push(sql`${alias}.id >= ${keyAt(window.from)}::uuid`);
      if (window.to < 1) parts.push(sql`${alias}.id < ${keyAt(window.to)}::uuid`);
      return { from, where: parts.length > 0 ? join(parts, ' AND ') : sql`true` };
    }
    case 'sample':
      return { from: sql`${from} TABLESAMPLE SYSTEM (${window.percent}::float8) REPEATABLE (${window.seed}::float8)`, where: sql`true` };
  }
}

/**
 * Planner settings for a chunk's transaction (SET LOCAL). PostgreSQL estimates a ctid or key
 * range with a default selectivity, and for a few thousand pages it prefers a sequential scan
 * of the whole table with the range as a filter — every chunk would then read the whole table.
 * Turning sequential scans off leaves the TID range scan (pages) or the primary key (keys).
 */
export function windowSettings(window: ScanWindow): Record<string, string> {
  return window.by === 'sample' ? {} : { enable_seqscan: 'off' };
}

/**
 * The ORDER BY that makes "the first rows of a window" the first in the table's order, so
 * that rows picked chunk by chunk (samples) do not depend on where chunks begin and end: a
 * stretch of pages is read in page order anyway (a TID range scan), so none is needed and the
 * scan stops at a LIMIT; a slice of keys is read in whatever order its plan gives, so it is
 * ordered by key. `id` is the key column's SQL.
 */
export function windowOrder(window: ScanWindow, id: Sql): Sql {
  return window.by === 'keys' ? sql`\n   ORDER BY ${id}` : sql``;
}
