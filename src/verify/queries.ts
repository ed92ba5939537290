/**
 * The SQL verify runs, built from the rule's compiled expressions. Identifiers come in through
 * qualify(); every user value (limits, timestamps, names looked up) is a $n parameter.
 *
 * Every query reads the per-row projection below, fenced with `OFFSET 0`. Without the fences
 * PostgreSQL pulls the subqueries up and pastes the rule's expressions into every place that
 * references them (each FILTER clause, each sum), an order of magnitude slower on a large
 * table. With them, each key is judged once per row, inside the parallel workers.
 */
import { quoteIdent } from '../db/identifier.js';
import { constantLiteral } from '../db/literal.js';
import { appTables, CACHE_COLUMNS } from '../names.js';
import { ANOMALY_CLASSES, CACHE_TOKEN_RULE, LEGACY_DASHBOARD, compileRuleSql, compileStagedRuleSql, ruleKeys } from '../rule/index.js';
import { PARITY_CLASSES, parityClassSql } from './parity-class.js';

/** What verify reads: the schema of the aibridge tables, and whether the columns exist yet. */
export interface VerifyScope {
  appSchema: string;
  /** false before `up`: the columns are read as 0, which makes verify a preview of the backfill. */
  columnsPresent: boolean;
}

/** Read keys the rule takes that the old dashboard ignored: why its totals move after the switch. */
const IGNORED_BY_LEGACY = CACHE_TOKEN_RULE.outputs[0].keys.filter((key) => !(LEGACY_DASHBOARD.read as readonly string[]).includes(key));

function textArray(values: readonly string[]): string {
  return `ARRAY[${values.map(constantLiteral).join(', ')}]::text[]`;
}

/** Every anomaly label the rule's SQL can produce (`class:key`), in a stable order. */
export function anomalyLabels(): string[] {
  const keys = ruleKeys();
  return ['not_an_object:$', ...ANOMALY_CLASSES.filter((c) => c !== 'not_an_object').flatMap((c) => keys.map((k) => `${c}:${k}`))];
}

function columnRefs(names: VerifyScope): { read: string; write: string } {
  const [read, write] = CACHE_COLUMNS.map((column) => `"t".${quoteIdent(column)}`);
  return names.columnsPresent ? { read: read!, write: write! } : { read: '0::bigint', write: '0::bigint' };
}

/**
 * What a pass needs from each row besides the columns, the rule's values and the parity class:
 * `rows` nothing more; `sessions` the session through the interception; `groups` also the
 * anomalies, the old dashboard's values, provider and model. Each level costs per row, so a
 * pass asks for only what it aggregates.
 */
export type ProjectionDetail = 'rows' | 'sessions' | 'groups';

/**
 * One row per token usage: its columns, the rule's values and its parity class, and what
 * `detail` adds. The interception is a LEFT JOIN: a usage row without one still counts.
 *
 * Two fenced levels (rule/sql.ts, compileStagedRuleSql): the inner one judges each rule key
 * once and joins, in the parallel workers; the outer one derives every output from the
 * judgements with integer comparisons, in the leader, and never sees the document — so the
 * metadata does not travel from the workers to the leader either. What remains is mostly the
 * leader's aggregates per row: a fence (a LIMIT or OFFSET) keeps its subquery out of parallel
 * plans, so the aggregates above it run in the leader alone. Lifting the fences, or fencing
 * the judgements in a LATERAL subquery instead, was slower still (measured on 500k narrow rows:
 * the judgements pasted into every aggregate, or a serial plan with a per-row Memoize).
 */
export function rowProjectionSql(names: VerifyScope, detail: ProjectionDetail): string {
  const { usages: t, interceptions: i } = appTables(names.appSchema);
  const metadata = '"t"."metadata"';
  const rule = compileStagedRuleSql(metadata, '"k"');
  const columns = columnRefs(names);
  const readKeys = CACHE_TOKEN_RULE.outputs[0].keys;
  // Judged in the inner level (the parallel workers), derived in the outer one (the leader).
  const inner: string[] = [];
  const outer: string[] = [];
  if (detail !== 'rows') {
    inner.push(`${SESSION_KEY} AS session`);
    outer.push(`"k".session`);
  }
  if (detail === 'groups') {
    // Key presence (the jsonb ? operator) is cheap, unlike judging a value; it only explains
    // why a dashboard total moves, it decides nothing.
    const present = readKeys.map((k) => `(CASE WHEN ${metadata} ? ${constantLiteral(k)} THEN 1 ELSE 0 END)`).join(' + ');
    inner.push(
      `"i"."id" IS NOT NULL AS has_interception, "i"."provider", "i"."model"`,
      `(${metadata} ?| ${textArray(IGNORED_BY_LEGACY)}) AS has_input_cached`,
      `(${present}) AS read_keys`,
    );
    const carried = new Map(rule.anomalyLabels.map((a) => [a.label, a.carried]));
    outer.push(
      `"k".has_interception, "k".provider, "k".model, "k".has_input_cached, "k".read_keys`,
      `${rule.anyAnomaly} AS any_anomaly`,
      ...anomalyLabels().map((label, n) => `${carried.get(label)!} AS anomaly_${n}`),
      ...rule.legacyReadTerms.map((term, n) => `${term} AS ${LEGACY_READ_COLUMNS[n]}`),
      `${rule.legacyWrite} AS legacy_write`,
    );
  }
  const join = detail === 'rows' ? '' : `\n          LEFT JOIN ${i} AS "i" ON "i"."id" = "t"."interception_id"`;
  return `SELECT r.*, ${parityClassSql('r.column_read', 'r.column_write', 'r.rule_read', 'r.rule_write')} AS parity_class
  FROM (
    SELECT "k"."id", "k"."interception_id", "k".column_read, "k".column_write,
           ${rule.cacheRead} AS rule_read, ${rule.cacheWrite} AS rule_write${outer.map((e) => `,\n           ${e}`).join('')}
      FROM (
        SELECT "t"."id", "t"."interception_id", ${columns.read} AS column_read, ${columns.write} AS column_write,
               ${[...rule.innerColumns, ...inner].join(',\n               ')}
          FROM ${t} AS "t"${join}
        OFFSET 0
      ) AS "k"
    OFFSET 0
  ) AS r`;
}

/** The projection's columns for the old dashboard's read terms (summed one by one). */
const LEGACY_READ_COLUMNS = LEGACY_DASHBOARD.read.map((_, n) => `legacy_read_${n}`);

/** A usage row's session: its interception's client session, else thread root, else the interception. */
const SESSION_KEY = `COALESCE("i"."client_session_id", "i"."thread_root_id"::text, "i"."id"::text)`;

const total = (expr: string, where?: string) => `COALESCE(sum(${expr})${where ? ` FILTER (WHERE ${where})` : ''}, 0)::text`;
const APP_READ = `x.parity_class = 'application_written' AND x.rule_read = 0`;
const APP_WRITE = `x.parity_class = 'application_written' AND x.rule_write = 0`;

/**
 * The one pass over the table for the per-row checks: class counts, anomaly counts and
 * totals, grouped by provider and model. Whole-table figures are sums over the groups.
 * Sums are returned as text: sum(bigint) is numeric, which may exceed a JavaScript number.
 */
export function groupPassSql(names: VerifyScope): string {
  const classCounts = PARITY_CLASSES.map((c) => `count(*) FILTER (WHERE x.parity_class = ${constantLiteral(c)}) AS ${c}`);
  const labels = anomalyLabels().map((_, n) => `count(*) FILTER (WHERE x.anomaly_${n}) AS a${n}`);
  const legacyRead = `(${LEGACY_READ_COLUMNS.map((c) => `COALESCE(sum(x.${c}), 0)`).join(' + ')})::text`;
  return `SELECT x.has_interception, x.provider, x.model, count(*) AS rows,
    ${classCounts.join(', ')},
    count(*) FILTER (WHERE x.any_anomaly) AS rows_with_anomalies,
    ${labels.join(', ')},
    ${total('x.column_read')} AS column_read, ${total('x.column_write')} AS column_write,
    ${total('x.rule_read')} AS rule_read, ${total('x.rule_write')} AS rule_write,
    ${legacyRead} AS legacy_read, ${total('x.legacy_write')} AS legacy_write,
    ${total('x.column_read', APP_READ)} AS app_read, ${total('x.column_write', APP_WRITE)} AS app_write,
    count(*) FILTER (WHERE x.has_input_cached) AS rows_input_cached,
    count(*) FILTER (WHERE x.read_keys > 1) AS rows_several_read_keys
  FROM (${rowProjectionSql(names, 'groups')}) AS x
  GROUP BY x.has_interception, x.provider, x.model
  ORDER BY x.has_interception DESC, x.provider, x.model`;
}

/**
 * Per-session totals, bounded: how many sessions there are, how many disagree, and the `$1`
 * sessions with the largest difference (ties broken by session key, for stable output). A
 * session is COALESCE(client_session_id, thread_root_id, id) of the interception; usage rows
 * without an interception form one NULL session.
 */
export function sessionPassSql(names: VerifyScope): string {
  return `SELECT s.*, count(*) OVER () AS sessions, count(*) FILTER (WHERE s.differs) OVER () AS sessions_differing
  FROM (
    SELECT g.session, g.rows, g.column_read::text, g.column_write::text, g.rule_read::text, g.rule_write::text,
           g.app_read::text, g.app_write::text,
           (g.column_read - g.app_read - g.rule_read)::text AS diff_read,
           (g.column_write - g.app_write - g.rule_write)::text AS diff_write,
           abs(g.column_read - g.app_read - g.rule_read) + abs(g.column_write - g.app_write - g.rule_write) AS magnitude,
           (g.column_read - g.app_read <> g.rule_read OR g.column_write - g.app_write <> g.rule_write) AS differs
    FROM (
      SELECT x.session, count(*) AS rows,
        sum(x.column_read) AS column_read, sum(x.column_write) AS column_write,
        sum(x.rule_read) AS rule_read, sum(x.rule_write) AS rule_write,
        COALESCE(sum(x.column_read) FILTER (WHERE ${APP_READ}), 0) AS app_read,
        COALESCE(sum(x.column_write) FILTER (WHERE ${APP_WRITE}), 0) AS app_write
      FROM (${rowProjectionSql(names, 'sessions')}) AS x
      GROUP BY x.session
    ) AS g
  ) AS s
  ORDER BY s.magnitude DESC, s.session NULLS FIRST
  LIMIT $1`;
}

/** Rows of one parity class (`$1`), at most `$2`; no ORDER BY, so the scan stops at `$2`. */
export function classSampleSql(names: VerifyScope): string {
  return `SELECT x.id::text AS id, x.interception_id::text AS interception_id,
         x.column_read::text, x.column_write::text, x.rule_read::text, x.rule_write::text
    FROM (${rowProjectionSql(names, 'rows')}) AS x
   WHERE x.parity_class = $1
   LIMIT $2`;
}

/** Rows with anomalies, at most `$1`, with the raw JSON of each anomalous value (cut at 200 chars). */
export function anomalySampleSql(names: VerifyScope): string {
  const t = appTables(names.appSchema).usages;
  const rule = compileRuleSql('"t"."metadata"');
  return `SELECT a.id::text AS id, a.interception_id::text AS interception_id, a.anomalies,
         ARRAY(SELECT left(CASE WHEN u.label LIKE '%:$' THEN a.metadata::text
                                ELSE (a.metadata -> substr(u.label, strpos(u.label, ':') + 1))::text END, 200)
                 FROM unnest(a.anomalies) WITH ORDINALITY AS u(label, n) ORDER BY u.n) AS raw_values
    FROM (SELECT "t"."id", "t"."interception_id", "t"."metadata", ${rule.anomalies} AS anomalies FROM ${t} AS "t" OFFSET 0) AS a
   WHERE cardinality(a.anomalies) > 0
   LIMIT $1`;
}

/**
 * The table's rows, and those created after `$1` (the ledger's max_created_at_at_start; NULL
 * when there is no run). Reading created_at also keeps the planner off an index-only scan that
 * a backfill has made slow (every page it wrote is no longer all-visible until a vacuum).
 */
export function countRowsSql(names: VerifyScope): string {
  return `SELECT count(*) AS rows, count(*) FILTER (WHERE "created_at" > $1::timestamptz) AS after
    FROM ${appTables(names.appSchema).usages}`;
}

/** `$1` = qualified table name as text, `$2` = the cache column names. */
export const PREFLIGHT_SQL = `SELECT to_regclass($1) IS NOT NULL AS table_exists,
  (SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = ANY($2) AND NOT attisdropped)::int AS cache_columns,
  now() AS snapshot_at, current_setting('server_version_num')::int AS server_version_num`;
