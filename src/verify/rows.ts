/**
 * verify's statements after the census (scan/census.ts): per-row reads of chunks already known
 * to hold what they look for — sample rows of a failing class, rows with anomalies, failing
 * rows summed per session — and the totals of the sessions listed, read from their
 * interceptions. Each is one chunk: a window of the census's walk, or of the interceptions.
 * Built from quoted names; every value is a $n parameter.
 */
import { quoteIdent } from '../db/identifier.js';
import { Params } from '../db/params.js';
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
export const sessionKey: InterceptionColumn = (i) => `COALESCE(${i}.client_session_id, ${i}.thread_root_id::text, ${i}.id::text)`;

function columnsOf(scope: Pick<CensusScope, 'columnsPresent'>): { read: string; write: string } {
  return scope.columnsPresent
    ? { read: `t.${quoteIdent(READ_COLUMN)}`, write: `t.${quoteIdent(WRITE_COLUMN)}` }
    : { read: '0::bigint', write: '0::bigint' };
}

/**
 * One row per usage row of `from` (a FROM clause whose usage rows are `t`, restricted by
 * `where`): id, interception, columns, the rule's values and the parity class, plus `extra`
 * columns of the inner level (e.g. the session). Judged once per row, two fenced levels as in
 * the census.
 */
function projection(from: string, where: string, scope: Pick<CensusScope, 'columnsPresent'>, extra: Record<string, string> = {}): string {
  const rule = compileStagedRuleSql('t.metadata', 'k');
  const columns = columnsOf(scope);
  const extras = Object.entries(extra).map(([name, expr]) => `${expr} AS ${name}`);
  const inner = `SELECT t.id, t.interception_id, ${columns.read} AS column_read, ${columns.write} AS column_write,
                 ${[...rule.innerColumns, ...extras].join(',\n                 ')}
            FROM ${from}
           WHERE ${where}
          OFFSET 0`;
  const carried = Object.keys(extra).map((name) => `, k.${name}`);
  return `SELECT r.*, ${parityClassSql('r.column_read', 'r.column_write', 'r.rule_read', 'r.rule_write')} AS parity_class
  FROM (
    SELECT k.id, k.interception_id, k.column_read, k.column_write, ${rule.cacheRead} AS rule_read, ${rule.cacheWrite} AS rule_write${carried.join('')}
      FROM (
        ${inner}
      ) AS k
    OFFSET 0
  ) AS r`;
}

/** Rows of the window in `cls`, at most `limit`, the first in the table's order (windowOrder). */
export function classSampleStatement(scope: CensusScope, window: ScanWindow, cls: ParityClass, limit: number): ChunkStatement {
  const params = new Params();
  const chunk = windowSql(window, scope.usages, 't', params);
  const text = `SELECT x.id::text AS id, x.interception_id::text AS interception_id,
         x.column_read::text, x.column_write::text, x.rule_read::text, x.rule_write::text
    FROM (${projection(chunk.from, chunk.where, scope)}) AS x
   WHERE x.parity_class = ${params.add(cls)}${windowOrder(window, 'x.id')}
   LIMIT ${params.add(limit)}`;
  return { text, values: params.values, settings: windowSettings(window) };
}

/** Rows of the window with anomalies, at most `limit` (the first in the table's order), with the raw JSON of each anomalous value (cut at 200 chars). */
export function anomalySampleStatement(scope: CensusScope, window: ScanWindow, limit: number): ChunkStatement {
  const params = new Params();
  const chunk = windowSql(window, scope.usages, 't', params);
  const rule = compileRuleSql('t.metadata');
  const text = `SELECT a.id::text AS id, a.interception_id::text AS interception_id, a.anomalies,
         ARRAY(SELECT left(CASE WHEN u.label LIKE '%:$' THEN a.metadata::text
                                ELSE (a.metadata -> substr(u.label, strpos(u.label, ':') + 1))::text END, 200)
                 FROM unnest(a.anomalies) WITH ORDINALITY AS u(label, n) ORDER BY u.n) AS raw_values
    FROM (SELECT t.id, t.interception_id, t.metadata, ${rule.anomalies} AS anomalies FROM ${chunk.from} WHERE ${chunk.where} OFFSET 0) AS a
   WHERE cardinality(a.anomalies) > 0${windowOrder(window, 'a.id')}
   LIMIT ${params.add(limit)}`;
  return { text, values: params.values, settings: windowSettings(window) };
}

/**
 * The failing rows (pending, conflict) of the window summed per session: how many, and their
 * difference between columns and rule. Only failing rows make a session differ (parity-class.ts):
 * an ok row's columns equal the rule's values, an application-written one's differ by exactly
 * what the report counts as application-written. Rows without an interception are the session
 * NULL.
 */
export function sessionDiffStatement(scope: CensusScope, window: ScanWindow, interceptionWindow: PageSpan | null): ChunkStatement {
  const params = new Params();
  const chunk = windowSql(window, scope.usages, 't', params);
  const join =
    scope.interceptions === null ? null : interceptionJoin(scope.interceptions, 't', { session: sessionKey }, interceptionWindow, params);
  const from = join ? `${chunk.from}\n            ${join.sql}` : chunk.from;
  const text = `SELECT x.session, count(*)::bigint AS rows,
         sum(x.column_read - x.rule_read)::text AS diff_read, sum(x.column_write - x.rule_write)::text AS diff_write
    FROM (${projection(from, chunk.where, scope, { session: join ? join.columns.session! : 'NULL::text' })}) AS x
   WHERE x.parity_class IN ('pending', 'conflict')
   GROUP BY x.session`;
  return { text, values: params.values, settings: { ...windowSettings(window), ...joinSettings(interceptionWindow) } };
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
  const params = new Params();
  const chunk = windowSql(window, scope.interceptions, 'i', params);
  const wanted = params.add(sessions, 'text[]');
  const from = `(SELECT ${sessionKey('i')} AS session, i.id FROM ${chunk.from} WHERE ${chunk.where} AND ${sessionKey('i')} = ANY(${wanted}) OFFSET 0) AS s
            JOIN ${scope.usages} AS t ON t.interception_id = s.id`;
  const text = `SELECT x.session, count(*)::bigint AS rows,
         sum(x.column_read)::text AS column_read, sum(x.column_write)::text AS column_write,
         sum(x.rule_read)::text AS rule_read, sum(x.rule_write)::text AS rule_write,
         COALESCE(sum(x.column_read) FILTER (WHERE x.parity_class = 'application_written' AND x.rule_read = 0), 0)::text AS app_read,
         COALESCE(sum(x.column_write) FILTER (WHERE x.parity_class = 'application_written' AND x.rule_write = 0), 0)::text AS app_write
    FROM (${projection(from, 'true', scope, { session: 's.session' })}) AS x
   GROUP BY x.session`;
  // An index lookup of usage rows per interception found: never a join that reads them all.
  return { text, values: params.values, settings: { ...windowSettings(window), ...joinSettings(null) } };
}
