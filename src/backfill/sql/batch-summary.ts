/**
 * The one row a batch or judge statement returns: what it read, wrote and found, counted in the
 * statement itself (src/backfill/run reads it).
 */
import { join, literal, sql, type Sql } from '../../db/sql.js';

/**
 * Counts by class as one jsonb: `{class: rows}` over the rows where each class's condition
 * holds, classes with no row left out.
 */
export function countsByClassSql(conditions: Readonly<Record<string, Sql>>): Sql {
  const pairs = Object.entries(conditions).map(([cls, holds]) => sql`${literal(cls)}, NULLIF(count(*) FILTER (WHERE ${holds}), 0)`);
  return sql`jsonb_strip_nulls(jsonb_build_object(${join(pairs, ', ')}))`;
}

/**
 * The one row a key walk's batch statement returns (src/backfill/run/key-walk.ts reads it), over
 * the statement's CTEs: `s`, the rows the batch read (with `existed`), and `u`, the rows it
 * wrote. `appWritten` says which read rows the application had already written; `anomalies` is
 * a jsonb of counts by class.
 */
export function batchSummarySql(appWritten: Sql, anomalies: Sql): Sql {
  return sql`SELECT count(*)::bigint AS scanned,
       count(*) FILTER (WHERE ${appWritten})::bigint AS app_written,
       count(*) FILTER (WHERE s.existed)::bigint AS existed,
       (SELECT count(*) FROM u)::bigint AS updated,
       (SELECT l.id::text FROM s AS l ORDER BY l.id DESC LIMIT 1) AS last_id,
       ${anomalies} AS anomalies
  FROM s`;
}
