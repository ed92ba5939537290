/**
 * What every batch statement shares: the key bounds of a batch, the query that finds its upper
 * key, and the one row of counts it returns. Built from quoted identifiers only; every value
 * (keys, sizes) is a $n parameter.
 */

/** Key bounds of a batch: (lo, hi]; null = open on that side. */
export interface KeyBounds {
  lo: string | null;
  hi: string | null;
}

/** `t.id > $n AND t.id <= $m` for the bounds that are set, with their values. */
export function keyCondition(bounds: KeyBounds, firstParam: number): { sql: string; values: string[] } {
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

/**
 * The key `size` rows past `lo` (within the range's own upper bound), read from the primary
 * key index; null when fewer rows remain. `t.id` is qualified on purpose: `ORDER BY id` next
 * to a `id::text` output column would sort by the text and scan the whole table per batch.
 */
export function upperBoundQuery(usages: string, bounds: KeyBounds, size: number): { text: string; values: unknown[] } {
  const cond = keyCondition(bounds, 1);
  const offset = cond.values.length + 1;
  return {
    text: `SELECT t.id::text AS id FROM ${usages} AS t WHERE ${cond.sql} ORDER BY t.id LIMIT 1 OFFSET $${offset}`,
    values: [...cond.values, size - 1],
  };
}

/**
 * The one row every batch statement returns, over its CTEs `s` (the rows judged) and `u` (the
 * rows written): scanned, app_written, updated, last_id and anomalies ({label: count}).
 */
export function batchCountsSql(appWritten: string, anomalies: string): string {
  return `SELECT (SELECT count(*) FROM s)::bigint AS scanned,
       (SELECT count(*) FROM s WHERE ${appWritten})::bigint AS app_written,
       (SELECT count(*) FROM u)::bigint AS updated,
       (SELECT s.id::text FROM s ORDER BY s.id DESC LIMIT 1) AS last_id,
       ${anomalies} AS anomalies`;
}

/** A statement and its parameters. */
export interface Statement {
  text: string;
  values: unknown[];
}
