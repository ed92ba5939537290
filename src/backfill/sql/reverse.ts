/**
 * The reverse step's statements: copy the column values back into metadata, so that `down`
 * can drop the columns without losing a count and the old application reads the same numbers.
 *
 * Which rows. A row whose columns are both 0 holds nothing the metadata lacks (a forward run
 * fills it from the metadata again). A row with a non-zero column is owned by the columns: the
 * application wrote them. It needs reversing when the rule, applied to its metadata, does not
 * give back BOTH column values. That is wider than "a non-zero column the metadata does not
 * carry" (the down migration's guard): a row written as (11, 0) over metadata that still says
 * cache_creation_input 40 passes the guard, but after down → up → backfill it would come back
 * as (11, 40). Fixing both sides of such rows is what makes the round trip exact.
 *
 * What is written. For each side whose rule value differs from its column: every key of that
 * side present in the metadata is moved under "aibridge_migrate_displaced" (nothing is
 * deleted), and the column value is written under the side's first key (cache_read_input,
 * cache_creation_input) when it is not 0. The rule then gives exactly the column value.
 *
 * What is not written (counted as unreversible, left untouched, reported with sample ids):
 * - metadata that is not a JSON object (an array, a string, …): rewriting it would change the
 *   document's shape for every reader; NULL metadata is treated as {};
 * - metadata that already has an "aibridge_migrate_displaced" key and would need more keys
 *   moved there: merging could overwrite an earlier displaced value.
 */
import { identifier, join, literal, quoted, sql, unsafeRaw, type Sql } from '../../db/sql.js';
import { READ_COLUMN, WRITE_COLUMN } from '../../names.js';
import { CACHE_TOKEN_RULE } from '../../rule/definition.js';
import { compileRuleSql } from '../../rule/index.js';
import type { JudgedRow } from '../policy/rounds.js';
import { batchSummarySql, countsByClassSql } from './batch-summary.js';
import { countChunkSql, type CountWindow } from './count-window.js';
import { keyCondition, type KeyWindow } from './key-window.js';
import { countedSql, judgedRowsSql, roundRowsSql, roundSummarySql, spanCondition, type JudgeSpan, type RoundPlace } from './page-walk.js';

export const DISPLACED_KEY = 'aibridge_migrate_displaced';

const colR = sql`t.${identifier(READ_COLUMN)}`;
const colW = sql`t.${identifier(WRITE_COLUMN)}`;

function textArray(values: readonly string[]): Sql {
  return sql`ARRAY[${join(values.map(literal), ', ')}]::text[]`;
}

/**
 * A LATERAL subquery over `t` giving, per row: owned, read_off, write_off, needs, the class
 * that makes it unreversible (NULL when reversible) and new_metadata.
 */
export function reverseJudgementSql(): Sql {
  const rule = compileRuleSql('t.metadata');
  const [read, write] = CACHE_TOKEN_RULE.outputs;
  return sql`(SELECT o.owned, o.read_off, o.write_off, o.owned AND (o.read_off OR o.write_off) AS needs,
          CASE WHEN NOT (o.owned AND (o.read_off OR o.write_off)) THEN NULL
               WHEN t.metadata IS NOT NULL AND jsonb_typeof(t.metadata) <> 'object' THEN 'not_an_object'
               WHEN t.metadata ? ${literal(DISPLACED_KEY)}
                    AND ((o.read_off AND t.metadata ?| ${textArray(read.keys)}) OR (o.write_off AND t.metadata ?| ${textArray(write.keys)}))
                 THEN 'displaced_key_present'
          END AS unreversible
     FROM (SELECT (${colR} <> 0 OR ${colW} <> 0) AS owned,
                  (${unsafeRaw(rule.cacheRead)}) <> ${colR} AS read_off,
                  (${unsafeRaw(rule.cacheWrite)}) <> ${colW} AS write_off) AS o) AS j`;
}

/** The new metadata of a row judged by `j` (reverseJudgementSql); only used where j.needs and j.unreversible IS NULL. */
export function newMetadataSql(): Sql {
  const [read, write] = CACHE_TOKEN_RULE.outputs;
  const base = sql`COALESCE(t.metadata, '{}'::jsonb)`;
  const moved = sql`(CASE WHEN j.read_off THEN ${textArray(read.keys)} ELSE '{}'::text[] END || CASE WHEN j.write_off THEN ${textArray(write.keys)} ELSE '{}'::text[] END)`;
  // HAVING: no row (so NULL, so no key at all) when nothing is displaced.
  const displaced = sql`(SELECT jsonb_build_object(${literal(DISPLACED_KEY)}, jsonb_object_agg(e.key, e.value))
        FROM jsonb_each(${base}) AS e WHERE e.key = ANY ${moved} HAVING count(*) > 0)`;
  return sql`(${base} - ${moved})
      || CASE WHEN j.read_off AND ${colR} <> 0 THEN jsonb_build_object(${literal(read.keys[0]!)}, ${colR}) ELSE '{}'::jsonb END
      || CASE WHEN j.write_off AND ${colW} <> 0 THEN jsonb_build_object(${literal(write.keys[0]!)}, ${colW}) ELSE '{}'::jsonb END
      || COALESCE(${displaced}, '{}'::jsonb)`;
}

/** Rows a reverse batch could not reverse, by why (the run reports them when it completes), among rows where `where` holds. */
function unreversibleCountsWhere(where: Sql): Sql {
  return countsByClassSql(
    Object.fromEntries(['not_an_object', 'displaced_key_present'].map((cls) => [cls, sql`${where} AND s.unreversible = ${literal(cls)}`])),
  );
}

const unreversibleCounts = unreversibleCountsWhere(sql`true`);

/**
 * One reverse batch: the next `size` rows after `lo`, judged once; the reversible ones get
 * their new metadata, computed on the very row version `s` judged (the xmin filter). The shape
 * is the forward batch's (forward.ts explains the join, the TID scan and the planner
 * settings): a row the application changed since is skipped and left to the sweep.
 */
export function reverseBatchStatement(usages: string, window: KeyWindow): Sql {
  const table = quoted(usages);
  return sql`WITH s AS MATERIALIZED (
  SELECT t.id, t.ctid AS row_address, t.xmin AS row_version, t.created_at <= ${window.existedBefore}::timestamptz AS existed, j.owned, j.needs, j.unreversible
    FROM ${table} AS t
    CROSS JOIN LATERAL ${reverseJudgementSql()}
   WHERE ${keyCondition(window)}
   ORDER BY t.id
   LIMIT ${window.size}
), u AS (
  UPDATE ${table} AS t
     SET metadata = (SELECT ${newMetadataSql()} FROM ${reverseJudgementSql()})
    FROM s
   WHERE t.ctid = s.row_address AND t.xmin = s.row_version AND s.needs AND s.unreversible IS NULL
  RETURNING 1
)
${batchSummarySql(sql`s.owned`, unreversibleCounts)}`;
}

/**
 * One chunk of the count that ends a reverse pass: rows a sweep would still rewrite, and rows
 * that need reversing but cannot be (reported when the run completes).
 */
export function reverseCountStatement(usages: string, window: CountWindow): Sql {
  return sql`WITH s AS MATERIALIZED (
  SELECT t.id, t.created_at <= ${window.existedBefore}::timestamptz AS existed, j.needs, j.unreversible
    FROM ${quoted(usages)} AS t
    CROSS JOIN LATERAL ${reverseJudgementSql()}
   ${countChunkSql(window)}
)
SELECT count(*)::bigint AS scanned,
       count(*) FILTER (WHERE s.needs AND s.unreversible IS NULL)::bigint AS eligible,
       count(*) FILTER (WHERE s.existed)::bigint AS existed,
       count(*) FILTER (WHERE s.unreversible IS NOT NULL)::bigint AS unreversible,
       (SELECT l.id::text FROM s AS l ORDER BY l.id DESC LIMIT 1) AS last_id
  FROM s`;
}

/**
 * Judges a span of heap pages for the reverse run (see judgeStatement in forward.ts for the
 * shape): counts, unreversible rows by why (as `anomalies`), and the rows to rewrite.
 */
export function reverseJudgeStatement(usages: string, span: JudgeSpan, existedBefore: Date): Sql {
  return sql`WITH s AS MATERIALIZED (
  SELECT t.id, t.ctid AS row_address, t.xmin AS row_version, t.created_at <= ${existedBefore}::timestamptz AS existed,
         ${countedSql(span)} AS counted, j.owned, j.needs, j.unreversible
    FROM ${quoted(usages)} AS t
    CROSS JOIN LATERAL ${reverseJudgementSql()}
   WHERE ${spanCondition(span)}
)
SELECT count(*) FILTER (WHERE s.counted)::bigint AS scanned,
       count(*) FILTER (WHERE s.counted AND s.owned)::bigint AS app_written,
       count(*) FILTER (WHERE s.counted AND s.existed)::bigint AS existed,
       ${unreversibleCountsWhere(sql`s.counted`)} AS anomalies,
       ${judgedRowsSql(sql`s.needs AND s.unreversible IS NULL`, [])}
  FROM s`;
}

/**
 * One reverse round: each row through the primary key, its new metadata computed on the very
 * version the judge read (xmin), as in the forward round (forward.ts).
 */
export function reverseRoundStatement(usages: string, rows: readonly JudgedRow[], place: RoundPlace): Sql {
  return sql`WITH v AS (
  ${roundRowsSql(rows, [])}
), u AS (
  UPDATE ${quoted(usages)} AS t
     SET metadata = (SELECT ${newMetadataSql()} FROM ${reverseJudgementSql()})
    FROM v
   WHERE t.id = v.id AND t.xmin = v.row_version
  RETURNING t.ctid AS address
)
${roundSummarySql(place)}`;
}
