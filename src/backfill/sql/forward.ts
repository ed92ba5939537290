/**
 * The forward run's statements (fill the columns from metadata): the key walk's batch, the count
 * that says whether a sweep is still needed, and the page walk's judge and round. Built with the
 * sql tag (db/sql.ts); test/unit/backfill/sql/__snapshots__ pins each text.
 */
import { identifier, join, quoted, sql, unsafeRaw, type Sql } from '../../db/sql.js';
import { READ_COLUMN, WRITE_COLUMN } from '../../names.js';
import { compileRuleSql, compileStagedRuleSql } from '../../rule/sql.js';
import type { JudgedRow } from '../policy/rounds.js';
import { batchSummarySql, countsByClassSql } from './batch-summary.js';
import { countChunkSql, type CountWindow } from './count-window.js';
import { keyCondition, type KeyWindow } from './key-window.js';
import {
  countedSql,
  judgedRowsSql,
  roundRowsSql,
  roundSummarySql,
  spanCondition,
  type JudgeSpan,
  type RoundPlace,
  type RoundValue,
} from './page-walk.js';

const read = sql`t.${identifier(READ_COLUMN)}`;
const write = sql`t.${identifier(WRITE_COLUMN)}`;
const SET_COLUMNS = sql`${identifier(READ_COLUMN)} = v.cache_read, ${identifier(WRITE_COLUMN)} = v.cache_write`;

/** Rows the backfill owns: both columns still 0 (the application never wrote them, no batch filled them). */
const OWNED = sql`${read} = 0 AND ${write} = 0`;

/**
 * The rule over the rows the backfill owns: both columns still 0. The metadata of any other
 * row reads as NULL, so its keys are never judged — a row the application wrote, or one an
 * earlier batch filled, costs two integer comparisons.
 */
const OWNED_METADATA = sql`CASE WHEN ${OWNED} THEN t.metadata END`;

/** The rule's expressions (constant text, rule/sql.ts) as fragments. */
function ownedRule(row: string) {
  const rule = compileStagedRuleSql(OWNED_METADATA.text, row);
  return {
    innerColumns: join(rule.innerColumns.map(unsafeRaw), ',\n         '),
    cacheRead: unsafeRaw(rule.cacheRead),
    cacheWrite: unsafeRaw(rule.cacheWrite),
    hasAnomaly: (where: (holds: Sql) => Sql = (holds) => holds) =>
      Object.fromEntries(Object.entries(rule.hasAnomaly).map(([cls, holds]) => [cls, where(unsafeRaw(holds))])),
  };
}

/**
 * One batch in one statement: the next `size` rows after `lo` (within the range's upper bound),
 * judged once, the eligible ones written, and the counts of what was seen.
 *
 * - `s` reads the batch's rows once, in key order from the primary key index: the LIMIT is the
 *   batch's upper bound, so no separate query looks for it. Each rule key of an owned row
 *   (both columns 0) is judged once; values and anomaly classes are read off the judgements.
 * - `u` writes only the rows whose values change, joined back by physical address (a TID scan,
 *   no index descent) and only while the row is the very version `s` read (`xmin`). Under READ
 *   COMMITTED a row the application changed after the statement's snapshot is re-checked on its
 *   newest version (EvalPlanQual): that version has another xmin, so the row is skipped and left
 *   to the convergence sweep — never written from a stale copy, never over values the
 *   application set. A TID scan does not recheck its TID condition, which is why the xmin test
 *   is a filter of its own.
 * - The planner only guesses how many rows of `s` are eligible; a guess it likes can turn the
 *   join into a hash join over the whole table. The batch's transaction therefore disables hash
 *   and merge joins (BATCH_PLANNER_SETTINGS), which leaves the nested loop over `s`.
 * - Only rows whose values change are written, so a second run writes nothing.
 * - `existed` counts the rows created at or before `$existedBefore` (the run's start): what the
 *   table held when the run began, for verify's count parity.
 */
export function batchStatement(usages: string, window: KeyWindow): Sql {
  const rule = ownedRule('s');
  const table = quoted(usages);
  return sql`WITH s AS MATERIALIZED (
  SELECT t.id, t.ctid AS row_address, t.xmin AS row_version, (${read} <> 0 OR ${write} <> 0) AS app_written,
         t.created_at <= ${window.existedBefore}::timestamptz AS existed,
         ${rule.innerColumns}
    FROM ${table} AS t
   WHERE ${keyCondition(window)}
   ORDER BY t.id
   LIMIT ${window.size}
), v AS (
  SELECT s.row_address, s.row_version, ${rule.cacheRead} AS cache_read, ${rule.cacheWrite} AS cache_write FROM s
), u AS (
  UPDATE ${table} AS t SET ${SET_COLUMNS}
    FROM v
   WHERE t.ctid = v.row_address AND t.xmin = v.row_version AND (v.cache_read <> 0 OR v.cache_write <> 0)
  RETURNING 1
)
${batchSummarySql(sql`s.app_written`, countsByClassSql(rule.hasAnomaly()))}`;
}

/**
 * Planner settings local to a batch's transaction (see batchStatement): the join back from the
 * judged rows is a nested loop, whatever the planner guesses about them.
 */
export const BATCH_PLANNER_SETTINGS: Readonly<Record<string, string>> = { enable_hashjoin: 'off', enable_mergejoin: 'off' };

/**
 * One chunk of the count that ends a pass: of the chunk's rows, how many a sweep would still
 * write. Short on its own (the whole table is counted chunk by chunk, each in its own snapshot).
 * One plain aggregate: each rule key is mentioned once, so nothing is judged twice. Ownership
 * is tested first, in a CASE: after a pass most rows are filled, and for them the rule's
 * expressions are then never entered (written through OWNED_METADATA instead, each key would
 * still test the CASE and call the operators on NULL). A CASE, not an AND: PostgreSQL evaluates
 * a CASE's conditions in order and only the branch chosen, and promises no order for the
 * operands of AND (rule/sql.ts guards with CASEs for the same reason). The count is the same
 * either way — the rule cannot raise — but a filled row must not pay for the rule
 * (`npx tsx bench/count-walk.ts`). The last key is the largest id's text under
 * the C collation, whose order is the uuid order (a key window only: a page window's successor
 * is the next page, and no row pays for the text).
 */
export function eligibleCountStatement(usages: string, window: CountWindow): Sql {
  const rule = compileRuleSql('t.metadata');
  const chunk = countChunkSql(window);
  const table = quoted(usages);
  const rows = window.by === 'page' ? sql`${table} AS t\n ${chunk}` : sql`(SELECT t.* FROM ${table} AS t\n ${chunk}) AS t`;
  return sql`SELECT count(*)::bigint AS scanned,
       count(*) FILTER (WHERE CASE WHEN ${OWNED} THEN ${unsafeRaw(rule.cacheRead)} <> 0 OR ${unsafeRaw(rule.cacheWrite)} <> 0 ELSE false END)::bigint AS eligible,
       count(*) FILTER (WHERE t.created_at <= ${window.existedBefore}::timestamptz)::bigint AS existed,
       0::bigint AS unreversible,
       ${window.by === 'key' ? sql`max(t.id::text COLLATE "C")` : sql`NULL::text`} AS last_id
  FROM ${rows}`;
}

/**
 * Judges every row of a span of heap pages once (a TID range scan, which also prunes the pages
 * it reads) and returns one row: the counts of what it saw — scanned, app_written, existed,
 * anomalies by class, leaving out the rows a round moved here (they were counted where they
 * were) — and the rows to write with their two values (judgedRowsSql). The rule is evaluated
 * only for rows the backfill owns.
 */
export function judgeStatement(usages: string, span: JudgeSpan, existedBefore: Date): Sql {
  const rule = ownedRule('s');
  return sql`WITH j AS MATERIALIZED (
  SELECT t.id, t.ctid AS row_address, t.xmin AS row_version, (${read} <> 0 OR ${write} <> 0) AS app_written,
         t.created_at <= ${existedBefore}::timestamptz AS existed, ${countedSql(span)} AS counted,
         ${rule.innerColumns}
    FROM ${quoted(usages)} AS t
   WHERE ${spanCondition(span)}
), s AS (
  SELECT s.*, ${rule.cacheRead} AS cache_read, ${rule.cacheWrite} AS cache_write FROM j AS s
)
SELECT count(*) FILTER (WHERE s.counted)::bigint AS scanned,
       count(*) FILTER (WHERE s.counted AND s.app_written)::bigint AS app_written,
       count(*) FILTER (WHERE s.counted AND s.existed)::bigint AS existed,
       ${countsByClassSql(rule.hasAnomaly((holds) => sql`s.counted AND ${holds}`))} AS anomalies,
       ${judgedRowsSql(sql`s.cache_read <> 0 OR s.cache_write <> 0`, [sql`s.cache_read`, sql`s.cache_write`])}
  FROM s`;
}

/** What a forward round's rows carry after key and version (judgeStatement's values, in order). */
const ROUND_VALUES: readonly RoundValue[] = [
  { name: 'cache_read', type: 'bigint' },
  { name: 'cache_write', type: 'bigint' },
];

/**
 * One round: each row reached through the primary key (the index fetch prunes its page first:
 * page-walk.ts), written only while it is the very version the judge read (xmin) with both
 * columns still 0. A row changed since — by the application, or moved by an update — is
 * skipped, never written from a stale read, and left to the convergence count.
 */
export function roundStatement(usages: string, rows: readonly JudgedRow[], place: RoundPlace): Sql {
  return sql`WITH v AS (
  ${roundRowsSql(rows, ROUND_VALUES)}
), u AS (
  UPDATE ${quoted(usages)} AS t SET ${SET_COLUMNS}
    FROM v
   WHERE t.id = v.id AND t.xmin = v.row_version AND ${OWNED}
  RETURNING t.ctid AS address
)
${roundSummarySql(place)}`;
}
