/**
 * verify's statements after the census (scan/census.ts): per-row reads of chunks already known
 * to hold what they look for — sample rows of a failing class, rows with anomalies, failing
 * rows summed per session — and the totals of the sessions listed, read from their
 * interceptions. Each is one chunk: a window of the census's walk, or of the interceptions.
 * Built with the sql tag (db/sql.ts): names quoted once, every value a parameter.
 */
import { identifier, join, quoted, sql, unsafeRaw, type Sql } from '../db/sql.js';
import { READ_COLUMN, WRITE_COLUMN } from '../names.js';
import { compileRuleSql, compileStagedRuleSql } from '../rule/index.js';
import type { CensusScope } from '../scan/census.js';
import { joinSettings } from '../scan/census.js';
import type { PageSpan } from '../db/page-span.js';
import { interceptionJoin, type InterceptionColumn } from '../scan/interceptions.js';
import type { ChunkStatement } from '../scan/walk.js';
import { windowOrder, windowSettings, windowSql, type ScanWindow } from '../scan/windows.js';
import { parityClassSql, type ParityClass } from './parity-class.js';

/** A usage row's session: its interception's client session, else thread root, else the interception. */
export const sessionKey: InterceptionColumn = (i) => sql`COALESCE(${i}.client_session_id, ${i}.thread_root_id::text, ${i}.id::text)`;

function columnsOf(scope: Pick<CensusScope, 'columnsPresent'>): { read: Sql; write: Sql } {
  return scope.columnsPresent
    ? { read: sql`t.${identifier(READ_COLUMN)}`, write: sql`t.${identifier(WRITE_COLUMN)}` }
    : { read: sql`0::bigint`, write: sql`0::bigint` };
}

/** The statement with the settings of its chunk's transaction. */
function chunkStatement(statement: Sql, settings: Record<string, string>): ChunkStatement {
  return { text: statement.text, values: statement.values, settings };
}

/**
 * One row per usage row of `from` (a FROM clause whose usage rows are `t`, restricted by
 * `where`): id, interception, columns, the rule's values and the parity class, plus `extra`
 * columns of the inner level (e.g. the session). Judged once per row, two fenced levels as in
 * the census.
 */
function projection(from: Sql, where: Sql, scope: Pick<CensusScope, 'columnsPresent'>, extra: Record<string, Sql> = {}): Sql {
  const rule = compileStagedRuleSql('t.metadata', 'k');
  const columns = columnsOf(scope);
  // The extra columns' names are this code's own (session).
  const extras = Object.entries(extra).map(([name, expr]) => sql`${expr} AS ${unsafeRaw(name)}`);
  const inner = sql`SELECT t.id, t.interception_id, ${columns.read} AS column_read, ${columns.write} AS column_write,
                 ${join([...rule.innerColumns.map((c) => unsafeRaw(c)), ...extras], ',\n                 ')}
            FROM ${from}
           WHERE ${where}
          OFFSET 0`;
  const carried = unsafeRaw(
    Object.keys(extra)
      .map((name) => `, k.${name}`)
      .join(''),
  );
  return sql`SELECT r.*, ${unsafeRaw(parityClassSql('r.column_read', 'r.column_write', 'r.rule_read', 'r.rule_write'))} AS parity_class
  FROM (
    SELECT k.id, k.interception_id, k.column_read, k.column_write, ${unsafeRaw(rule.cacheRead)} AS rule_read, ${unsafeRaw(rule.cacheWrite)} AS rule_write${carried}
      FROM (
        ${inner}
      ) AS k
    OFFSET 0
  ) AS r`;
}

/** Rows of the window in `cls`, at most `limit`, the first in the table's order (windowOrder). */
export function classSampleStatement(scope: CensusScope, window: ScanWindow, cls: ParityClass, limit: number): ChunkStatement {
  const chunk = windowSql(window, scope.usages, sql`t`);
  const statement = sql`SELECT x.id::text AS id, x.interception_id::text AS interception_id,
         x.column_read::text, x.column_write::text, x.rule_read::text, x.rule_write::text
    FROM (${projection(chunk.from, chunk.where, scope)}) AS x
   WHERE x.parity_class = ${cls}${windowOrder(window, sql`x.id`)}
   LIMIT ${limit}`;
  return chunkStatement(statement, windowSettings(window));
}

/** Rows of the window with anomalies, at most `limit` (the first in the table's order), with the raw JSON of each anomalous value (cut at 200 chars). */
export function anomalySampleStatement(scope: CensusScope, window: ScanWindow, limit: number): ChunkStatement {
  const chunk = windowSql(window, scope.usages, sql`t`);
  const rule = compileRuleSql('t.metadata');
  const statement = sql`SELECT a.id::text AS id, a.interception_id::text AS interception_id, a.anomalies,
         ARRAY(SELECT left(CASE WHEN u.label LIKE '%:$' THEN a.metadata::text
                                ELSE (a.metadata -> substr(u.label, strpos(u.label, ':') + 1))::text END, 200)
                 FROM unnest(a.anomalies) WITH ORDINALITY AS u(label, n) ORDER BY u.n) AS raw_values
    FROM (SELECT t.id, t.interception_id, t.metadata, ${unsafeRaw(rule.anomalies)} AS anomalies FROM ${chunk.from} WHERE ${chunk.where} OFFSET 0) AS a
   WHERE cardinality(a.anomalies) > 0${windowOrder(window, sql`a.id`)}
   LIMIT ${limit}`;
  return chunkStatement(statement, windowSettings(window));
}

/**
 * The failing rows (pending, conflict) of the window summed per session: how many, and their
 * difference between columns and rule. Only failing rows make a session differ (parity-class.ts):
 * an ok row's columns equal the rule's values, an application-written one's differ by exactly
 * what the report counts as application-written. Rows without an interception are the session
 * NULL.
 */
export function sessionDiffStatement(scope: CensusScope, window: ScanWindow, interceptionWindow: PageSpan | null): ChunkStatement {
  const chunk = windowSql(window, scope.usages, sql`t`);
  const joined =
    scope.interceptions === null ? null : interceptionJoin(scope.interceptions, sql`t`, { session: sessionKey }, interceptionWindow);
  const from = joined ? sql`${chunk.from}\n            ${joined.sql}` : chunk.from;
  const statement = sql`SELECT x.session, count(*)::bigint AS rows,
         sum(x.column_read - x.rule_read)::text AS diff_read, sum(x.column_write - x.rule_write)::text AS diff_write
    FROM (${projection(from, chunk.where, scope, { session: joined ? joined.columns.session! : sql`NULL::text` })}) AS x
   WHERE x.parity_class IN ('pending', 'conflict')
   GROUP BY x.session`;
  return chunkStatement(statement, { ...windowSettings(window), ...joinSettings(interceptionWindow) });
}

/**
 * The totals of the sessions named in `sessions`, over the interceptions of `window` (a window
 * of aibridge_interceptions, whose rows are `i`): each interception of those sessions, its
 * usage rows through their interception_id index, summed per session.
 */
export function sessionTotalsStatement(
  scope: CensusScope & { interceptions: string },
  window: ScanWindow,
  sessions: readonly string[],
): ChunkStatement {
  const chunk = windowSql(window, scope.interceptions, sql`i`);
  const from = sql`(SELECT ${sessionKey(sql`i`)} AS session, i.id FROM ${chunk.from} WHERE ${chunk.where} AND ${sessionKey(sql`i`)} = ANY(${sessions}::text[]) OFFSET 0) AS s
            JOIN ${quoted(scope.usages)} AS t ON t.interception_id = s.id`;
  const statement = sql`SELECT x.session, count(*)::bigint AS rows,
         sum(x.column_read)::text AS column_read, sum(x.column_write)::text AS column_write,
         sum(x.rule_read)::text AS rule_read, sum(x.rule_write)::text AS rule_write,
         COALESCE(sum(x.column_read) FILTER (WHERE x.parity_class = 'application_written' AND x.rule_read = 0), 0)::text AS app_read,
         COALESCE(sum(x.column_write) FILTER (WHERE x.parity_class = 'application_written' AND x.rule_write = 0), 0)::text AS app_write
    FROM (${projection(from, sql`true`, scope, { session: sql`s.session` })}) AS x
   GROUP BY x.session`;
  // An index lookup of usage rows per interception found: never a join that reads them all.
  return chunkStatement(statement, { ...windowSettings(window), ...joinSettings(null) });
}
