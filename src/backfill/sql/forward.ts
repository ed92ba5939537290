/**
 * The forward batch statement (fill the columns from metadata) and the count that says whether
 * a sweep is still needed. Built from quoted identifiers only; every value is a $n parameter,
 * and each text is pinned by a unit test.
 */
import { READ_COLUMN, WRITE_COLUMN } from '../../names.js';
import { compileRuleSql } from '../../rule/index.js';
import { batchCountsSql, keyCondition, type KeyBounds, type Statement } from './keyset.js';

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
export function batchStatement(usages: string, bounds: KeyBounds): Statement {
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

/** The rows still eligible in the whole table: what a sweep would update. */
export function eligibleCountQuery(usages: string): string {
  const rule = compileRuleSql('t.metadata');
  return `SELECT count(*)::bigint AS eligible FROM ${usages} AS t
   WHERE t.${READ_COLUMN} = 0 AND t.${WRITE_COLUMN} = 0 AND t.metadata IS NOT NULL
     AND (${rule.cacheRead} <> 0 OR ${rule.cacheWrite} <> 0)`;
}
