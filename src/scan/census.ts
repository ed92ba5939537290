/**
 * The census of one chunk of aibridge_token_usages: its rows counted and summed per provider,
 * model and *kind of row*, the rule judged once per row. verify and `backfill --dry-run`
 * read the whole table as a sum of these (tally.ts).
 */
import { identifier, join, sql, unsafeRaw, type Sql } from '../db/sql.js';
import { READ_COLUMN, WRITE_COLUMN } from '../names.js';
import { CACHE_TOKEN_RULE, LEGACY_DASHBOARD, compileStagedRuleSql, ruleKeys, type StagedRuleSql } from '../rule/index.js';
import type { PageSpan } from '../db/page-span.js';
import { interceptionJoin } from './interceptions.js';
import { windowSettings, windowSql, type ScanWindow } from './windows.js';

/** What a census reads: the tables (quoted, qualified) and what exists yet. */
export interface CensusScope {
  usages: string;
  /** null when aibridge_interceptions does not exist: no provider or model is known. */
  interceptions: string | null;
  /** false before `up`: the columns are read as 0 (a preview of the backfill). */
  columnsPresent: boolean;
}

/**
 * The bit layout of `bits`. A key's code is 3 bits from KEY_CODES_SHIFT on, in ruleKeys()
 * order: 0 valid or absent, 1-4 the anomaly class (rule/sql.ts ANOMALY_CODES, negated).
 */
export const BITS = {
  columnsZero: 1,
  readEqual: 2,
  writeEqual: 4,
  ruleReadZero: 8,
  ruleWriteZero: 16,
  /** Set: NULL metadata. */
  nullMetadata: 32,
  /** Set: a document that is not a JSON object (not_an_object). */
  notAnObject: 64,
  /** A read key the old dashboard ignored (input_cached) carries a value or an anomaly. */
  ignoredReadKey: 128,
  /** More than one read key carries a value or an anomaly. */
  severalReadKeys: 256,
  keyCodesShift: 9,
} as const;

const KEYS = ruleKeys();
if (BITS.keyCodesShift + 3 * KEYS.length > 31) throw new Error('too many rule keys for the census bits');
if (CACHE_TOKEN_RULE.outputs[1].keys.join() !== LEGACY_DASHBOARD.write || LEGACY_DASHBOARD.read.length !== 2) {
  throw new Error("the census derives the old dashboard's totals from the rule's: revisit CENSUS_SUMS for the changed rule");
}

/**
 * The sums each census row carries (as text: sum(bigint) is numeric). The old dashboard's
 * totals need no sums of their own for most rows: with at most one read key carrying
 * anything, its read sum is the rule's read value (or 0 when that key is one it ignored), and
 * its write key is the rule's only write key. Rows with several read keys (BITS.severalReadKeys)
 * carry the dashboard's read terms as legacy_read_n, summed one by one (added per row, two
 * values near the bigint maximum would overflow); for other rows those sums are 0.
 */
export const CENSUS_SUMS = ['column_read', 'column_write', 'rule_read', 'rule_write', 'legacy_read_0', 'legacy_read_1'] as const;
export type CensusSum = (typeof CENSUS_SUMS)[number];

export interface CensusStatement {
  text: string;
  values: unknown[];
  /** Planner settings for the statement's transaction (SET LOCAL). */
  settings: Record<string, string>;
  /** The usage pages the spread_* columns describe (the window's tail); null when not measured. */
  spreadPages: PageSpan | null;
}

/** Where the chunk's interceptions lay is measured on its last eighth: the stretch next to the next chunk. */
const SPREAD_TAIL = 8;

/**
 * The census of `window`. With `interceptionWindow`, the interceptions are hash-joined from
 * those pages and looked up by index otherwise (interceptions.ts); each result row then also
 * carries where its rows' interceptions lay on the window's last pages (spread_rows,
 * spread_sum, spread_squares), to place the next chunk's window.
 *
 * A row's kind is one integer (`bits`) packing every per-row fact the reports need: whether
 * the columns are 0, whether each equals the rule's value or the rule gives 0 (the parity
 * class follows from these), what the document is, which read keys carry a value, and each
 * rule key's anomaly class. Grouping by one small integer costs a row one hash of four keys
 * and seven sums, where a FILTER per figure (classes, anomaly labels, flags: over thirty)
 * cost a row over thirty aggregate steps.
 *
 * Two fenced levels (OFFSET 0, so PostgreSQL cannot paste an expression back into every place
 * that uses it): the inner one reads the chunk, joins the interception (there, where a row is
 * still narrow, not above a dozen computed columns) and judges each rule key once (rule/sql.ts,
 * compileStagedRuleSql); the outer one derives the rule's values from the judgements. Every
 * fact is then read off the judgements, never off the document again.
 */
export function censusStatement(
  scope: CensusScope,
  window: ScanWindow,
  interceptionWindow: PageSpan | null,
  options: { createdAfter?: Date | null } = {},
): CensusStatement {
  // Rows created after an instant (a backfill run's start), counted in the same pass.
  const createdAfter = options.createdAfter ? sql`t.created_at > ${options.createdAfter}::timestamptz` : null;
  const rule = compileStagedRuleSql('t.metadata', 'k');
  const chunk = windowSql(window, scope.usages, sql`t`);
  const columns = scope.columnsPresent
    ? { read: sql`t.${identifier(READ_COLUMN)}`, write: sql`t.${identifier(WRITE_COLUMN)}` }
    : { read: sql`0::bigint`, write: sql`0::bigint` };
  const joined =
    scope.interceptions === null
      ? null
      : interceptionJoin(
          scope.interceptions,
          sql`t`,
          { provider: (i) => sql`${i}.provider`, model: (i) => sql`${i}.model` },
          interceptionWindow,
        );
  // A page number costs a text round trip (tid has no accessor), so only the tail pays it.
  const tail =
    window.by === 'pages' && joined?.page ? Math.max(window.from, window.to - Math.ceil((window.to - window.from) / SPREAD_TAIL)) : null;
  const page = tail !== null && joined?.page ? sql`CASE WHEN t.ctid >= ${`(${tail},0)`}::tid THEN ${joined.page} END` : null;
  const inner = sql`SELECT ${columns.read} AS column_read, ${columns.write} AS column_write,
                 ${joinLines(rule.innerColumns, ',\n                 ')},
                 ${joined ? joined.found : sql`false`} AS found, ${joined ? joined.columns.provider! : sql`NULL::text`} AS provider, ${joined ? joined.columns.model! : sql`NULL::text`} AS model${page ? sql`,\n                 ${page} AS page` : sql``}${createdAfter ? sql`,\n                 ${createdAfter} AS created_after` : sql``}
            FROM ${chunk.from}${joined ? sql`\n            ${joined.sql}` : sql``}
           WHERE ${chunk.where}
          OFFSET 0`;
  const derived = sql`SELECT k.found, k.provider, k.model${page ? sql`, k.page` : sql``}${createdAfter ? sql`, k.created_after` : sql``}, k.column_read, k.column_write,
             ${unsafeRaw(rule.cacheRead)} AS rule_read, ${unsafeRaw(rule.cacheWrite)} AS rule_write,
             ${unsafeRaw(derivedColumns(rule))}
        FROM (
          ${inner}
        ) AS k
      OFFSET 0`;
  const spread = page
    ? sql`,\n       count(r.page)::bigint AS spread_rows, COALESCE(sum(r.page), 0)::float8 AS spread_sum, COALESCE(sum(r.page * r.page), 0)::float8 AS spread_squares`
    : sql``;
  const statement = sql`SELECT r.found AS has_interception, r.provider, r.model, ${unsafeRaw(BITS_SQL)} AS bits, count(*)::bigint AS rows,
       ${unsafeRaw(CENSUS_SUMS.map((s) => `COALESCE(sum(r.${s}), 0)::text AS ${s}`).join(', '))}${createdAfter ? sql`,\n       count(*) FILTER (WHERE r.created_after)::bigint AS created_after` : sql``}${spread}
  FROM (
      ${derived}
  ) AS r
 GROUP BY 1, 2, 3, 4`;
  return {
    text: statement.text,
    values: statement.values,
    settings: { ...windowSettings(window), ...joinSettings(interceptionWindow) },
    spreadPages: page !== null && tail !== null && window.by === 'pages' ? { from: tail, to: window.to } : null,
  };
}

function joinLines(lines: readonly string[], separator: string): Sql {
  return join(
    lines.map((line) => unsafeRaw(line)),
    separator,
  );
}

// CASE rather than casts and products: each `bool::int * n` is two function calls a row.
const flag = (condition: string, bit: number) => `CASE WHEN ${condition} THEN ${bit} ELSE 0 END`;

/** The bits of a row of the outer level (BITS): its columns and the rule's values compared, and its facts. */
const BITS_SQL = [
  flag('r.column_read = 0 AND r.column_write = 0', BITS.columnsZero),
  flag('r.column_read = r.rule_read', BITS.readEqual),
  flag('r.column_write = r.rule_write', BITS.writeEqual),
  flag('r.rule_read = 0', BITS.ruleReadZero),
  flag('r.rule_write = 0', BITS.ruleWriteZero),
  'r.facts',
].join(' + ');

/**
 * The derived level's columns read off the judgements (constant text, from the rule): the old
 * dashboard's read terms where several read keys carry something, and `facts`, the bits that
 * do not depend on the columns (the document, the read keys, each key's anomaly code).
 */
function derivedColumns(rule: StagedRuleSql): string {
  const j = (key: string) => `k."j_${KEYS.indexOf(key)}"`;
  const readKeys = CACHE_TOKEN_RULE.outputs[0].keys;
  const ignored = readKeys.filter((key) => !(LEGACY_DASHBOARD.read as readonly string[]).includes(key));
  const several = `num_nonnulls(${readKeys.map(j).join(', ')}) > 1`;
  // The codes are summed only for a row with an anomaly (LEAST skips NULLs, i.e. absent keys).
  const codes = `CASE WHEN LEAST(${KEYS.map(j).join(', ')}) < 0 THEN ${KEYS.map((key, n) => `COALESCE(-LEAST(${j(key)}, 0), 0) * ${2 ** (BITS.keyCodesShift + 3 * n)}`).join(' + ')} ELSE 0 END`;
  const facts = [
    `CASE k.doc_kind WHEN 'object' THEN 0 ELSE CASE WHEN k.doc_kind IS NULL THEN ${BITS.nullMetadata} ELSE ${BITS.notAnObject} END END`,
    ...(ignored.length > 0 ? [flag(ignored.map((key) => `${j(key)} IS NOT NULL`).join(' OR '), BITS.ignoredReadKey)] : []),
    flag(several, BITS.severalReadKeys),
    codes,
  ].join(' + ');
  return `${rule.legacyReadTerms.map((term, n) => `CASE WHEN ${several} THEN ${term} ELSE 0 END AS legacy_read_${n}`).join(', ')},
             ${facts} AS facts`;
}

/**
 * The join's planner settings: never a merge join (it would sort the chunk); without a window
 * no hash join either (it would read every interception, in every chunk), so an index lookup
 * per row. Sorting is off so the groups are hashed: PostgreSQL cannot estimate how few
 * distinct `bits` there are, and at its default guess it may sort the chunk to group it.
 */
export function joinSettings(interceptionWindow: PageSpan | null): Record<string, string> {
  return { enable_mergejoin: 'off', enable_sort: 'off', ...(interceptionWindow === null ? { enable_hashjoin: 'off' } : {}) };
}
