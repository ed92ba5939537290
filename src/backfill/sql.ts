/**
 * The statements a batch runs, built from quoted identifiers only; every value (keys, sizes,
 * counts) is a $n parameter. Kept apart from the I/O so each text is pinned by a unit test.
 */
import { qualify } from '../db/identifier.js';
import { compileRuleSql } from '../rule/index.js';

export const TOKEN_USAGES = 'aibridge_token_usages';
export const READ_COLUMN = 'cache_read_input_tokens';
export const WRITE_COLUMN = 'cache_write_input_tokens';

export interface TableNames {
  /** The application's table, qualified and quoted. */
  usages: string;
  runs: string;
  ranges: string;
}

export function tableNames(schema: string, stateSchema: string): TableNames {
  return {
    usages: qualify(schema, TOKEN_USAGES),
    runs: qualify(stateSchema, 'backfill_runs'),
    ranges: qualify(stateSchema, 'backfill_ranges'),
  };
}

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
 * One batch in one statement: update the eligible rows of (lo, hi] and count what was seen.
 *
 * - The UPDATE is a plain scan of the key range with the rule in its WHERE and SET, not a join
 *   back to a CTE of judged rows: with a join, the planner's row estimates for the judged CTE
 *   are guesses, and a guess of "1 row" gave a nested loop that rescanned the whole CTE for
 *   every row of the range (a 2,000-row batch took 200 ms instead of 20 ms). The rule is
 *   evaluated twice for an eligible row (WHERE and SET); that is cheap next to the write.
 * - Under READ COMMITTED, a row the application changed after the statement's snapshot is
 *   re-checked against its newest version (EvalPlanQual): the WHERE clause is evaluated again
 *   on that version, so a row whose columns the application set is skipped, and a row whose
 *   metadata it changed gets values computed from the new metadata, never from a stale copy.
 * - Only rows whose values change are written, so a second run writes nothing.
 * - The counts come from `s`, a read of the same range in the statement's snapshot (before the
 *   update, which is what "application-written" must mean). Anomalies are counted only on rows
 *   the backfill owns (both columns 0), once per row and class.
 */
export function batchStatement(usages: string, bounds: KeyBounds): { text: string; values: unknown[] } {
  const rule = compileRuleSql('t.metadata');
  const cond = keyCondition(bounds, 1);
  const read = `t.${READ_COLUMN}`;
  const write = `t.${WRITE_COLUMN}`;
  const text = `WITH u AS (
  UPDATE ${usages} AS t
     SET ${READ_COLUMN} = ${rule.cacheRead}, ${WRITE_COLUMN} = ${rule.cacheWrite}
   WHERE ${cond.sql} AND ${read} = 0 AND ${write} = 0 AND t.metadata IS NOT NULL
     AND (${rule.cacheRead} <> 0 OR ${rule.cacheWrite} <> 0)
  RETURNING t.id
), s AS (
  SELECT t.id, (${read} <> 0 OR ${write} <> 0) AS app_written,
         CASE WHEN ${read} = 0 AND ${write} = 0 AND t.metadata IS NOT NULL THEN ${rule.anomalies} END AS anomalies
    FROM ${usages} AS t
   WHERE ${cond.sql}
)
${batchCountsSql(
    's.app_written',
    `(SELECT COALESCE(jsonb_object_agg(a.class, a.n), '{}'::jsonb)
          FROM (SELECT split_part(label, ':', 1) AS class, count(DISTINCT s.id) AS n
                  FROM s CROSS JOIN LATERAL unnest(s.anomalies) AS label
                 GROUP BY 1) AS a)`,
  )}`;
  return { text, values: cond.values };
}

/**
 * The one row every batch statement returns (the contract of BatchStatement in batch.ts), over
 * its CTEs `s` (the rows judged) and `u` (the rows written).
 */
export function batchCountsSql(appWritten: string, anomalies: string): string {
  return `SELECT (SELECT count(*) FROM s)::bigint AS scanned,
       (SELECT count(*) FROM s WHERE ${appWritten})::bigint AS app_written,
       (SELECT count(*) FROM u)::bigint AS updated,
       (SELECT s.id::text FROM s ORDER BY s.id DESC LIMIT 1) AS last_id,
       ${anomalies} AS anomalies`;
}

/** Adds the counts in jsonb $param to the {class: count} object in `column`. */
export function mergeCountsSql(column: string, param: string): string {
  return `(SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(${column}) UNION ALL SELECT * FROM jsonb_each_text(${param}::jsonb)) AS both_sides
            GROUP BY key) AS e)`;
}

/** The rows still eligible in the whole table: what a sweep would update. */
export function eligibleCountQuery(usages: string): string {
  const rule = compileRuleSql('t.metadata');
  return `SELECT count(*)::bigint AS eligible FROM ${usages} AS t
   WHERE t.${READ_COLUMN} = 0 AND t.${WRITE_COLUMN} = 0 AND t.metadata IS NOT NULL
     AND (${rule.cacheRead} <> 0 OR ${rule.cacheWrite} <> 0)`;
}

/**
 * A bigint advisory-lock key for "the backfill of this table, tracked in this state schema":
 * two installations in one database (different state schemas or tables) do not collide.
 */
export const LOCK_KEY_SQL = `SELECT hashtextextended('aibridge-migrate backfill ' || $1::text || ' ' || $2::text, 0) AS key`;
