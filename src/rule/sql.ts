/**
 * The rule compiled to SQL expressions over a jsonb metadata expression. Nothing in them can
 * raise an error for any document: every cast is reached only through a CASE branch that has
 * already proven its input castable. Guards are nested CASEs, never `AND`: PostgreSQL does not
 * promise to evaluate the operands of AND in order.
 *
 * PostgreSQL does not share common subexpressions, so every mention of `metadata -> 'key'`
 * extracts and copies the value again; that copy, not the test around it, is what a
 * full-table evaluation pays for. The expressions are therefore shaped for the common case, a
 * key that is absent or holds a plain JSON integer:
 *
 * - `metadata ? 'key'` first: it only searches the object, it copies nothing, so the three or
 *   four keys a row lacks cost almost nothing.
 * - Then one extraction decides the common case. jsonb orders every string and JSON null
 *   below every number, and every boolean, array and object above; clamping the value between
 *   the jsonb numbers -0.1 and 9223372036854775807.1 therefore yields a number, always, whose
 *   scale is 0 exactly when the value was a number in [0, 9223372036854775807] written without
 *   a fractional part. Those values are valid, and their text (`->>`) is plain digits, which
 *   the bigint cast reads directly: two extractions for a valid value.
 * - Everything else (numeric strings, `5376.0`, negatives, anomalies) takes the slow path,
 *   which re-extracts as often as it needs to; it is rare.
 *
 * test/integration/rule-equivalence.test.ts checks these expressions against the TypeScript
 * evaluator on thousands of random documents; bench/rule-eval.ts measures their cost.
 */
import { constantLiteral } from '../db/literal.js';
import { MAX_BIGINT, CACHE_TOKEN_RULE, type CacheTokenRule } from './definition.js';
import { NEGATIVE_STRING_PATTERN, VALID_STRING_PATTERN } from './classify.js';

export interface RuleSql {
  /** bigint, never NULL: the value for cache_read_input_tokens. */
  cacheRead: string;
  /** bigint, never NULL: the value for cache_write_input_tokens. */
  cacheWrite: string;
  /** text[], never NULL: `class:key` per anomalous value, `not_an_object:$` for the document. */
  anomalies: string;
}

const MAX = MAX_BIGINT.toString();
/** Clamp bounds with a fractional digit, so that a clamped value never has scale 0. */
const CLAMP_LOW = `'-0.1'::jsonb`;
const CLAMP_HIGH = `'${MAX}.1'::jsonb`;

interface KeyParts {
  /** The value under the key as jsonb, NULL when absent. */
  value: string;
  /** The same as text (`->>`): digits for a number, the unescaped content of a string. */
  text: string;
  /** The jsonb value as numeric: only where jsonb_typeof has said 'number'. */
  numeric: string;
}

function parts(metadata: string, key: string): KeyParts {
  const k = constantLiteral(key);
  const value = `(${metadata} -> ${k})`;
  return { value, text: `(${metadata} ->> ${k})`, numeric: `${value}::numeric` };
}

/** True when `metadata` has the key; also true for an array holding the key as a string, for
 *  which `->` then gives NULL, which every expression below treats as absent. */
function hasKey(metadata: string, key: string): string {
  return `${metadata} ? ${constantLiteral(key)}`;
}

/** 0 exactly when the (present) value is a number in [0, MAX] written without fraction digits. */
function plainIntegerScale(p: KeyParts): string {
  return `scale(LEAST(GREATEST(${p.value}, ${CLAMP_LOW}), ${CLAMP_HIGH})::numeric)`;
}

/** The digits of a numeric string, without leading zeros ('' for zero). */
function significantDigits(p: KeyParts): string {
  return `ltrim(regexp_replace(${p.text}, '[^0-9]', '', 'g'), '0')`;
}

/**
 * Whether a string's digits fit in a bigint, decided on the text: a numeric cast of a string of
 * more than 131072 digits would itself raise. Same-length digit strings compare like their
 * values under the C collation.
 */
function digitsFit(p: KeyParts): string {
  const d = significantDigits(p);
  return `(octet_length(${d}) < 19 OR (octet_length(${d}) = 19 AND ${d} COLLATE "C" <= '${MAX}'))`;
}

function slowValue(p: KeyParts): string {
  const n = p.numeric;
  return `CASE jsonb_typeof(${p.value})
      WHEN 'number' THEN CASE WHEN ${n} >= 0 AND ${n} <= ${MAX} THEN CASE WHEN ${n} = trunc(${n}) THEN ${n}::bigint END END
      WHEN 'string' THEN CASE WHEN ${p.text} ~ ${constantLiteral(VALID_STRING_PATTERN)} THEN CASE WHEN ${digitsFit(p)} THEN ('0' || ${significantDigits(p)})::bigint END END
    END`;
}

/** The value under one key as bigint, or NULL when absent or anomalous. */
export function keyValueSql(metadata: string, key: string): string {
  const p = parts(metadata, key);
  return `CASE WHEN ${hasKey(metadata, key)} THEN
    CASE ${plainIntegerScale(p)} WHEN 0 THEN ${p.text}::bigint
    ELSE ${slowValue(p)} END
  END`;
}

/**
 * The anomaly class of the value under one key as text, or NULL when absent or valid. The
 * types are listed one by one, with no ELSE: a key that `?` found in an array document has no
 * value (jsonb_typeof NULL), which must fall through to NULL, not to a class.
 */
export function keyAnomalySql(metadata: string, key: string): string {
  const p = parts(metadata, key);
  const n = p.numeric;
  return `CASE WHEN ${hasKey(metadata, key)} THEN
    CASE ${plainIntegerScale(p)} WHEN 0 THEN NULL
    ELSE CASE jsonb_typeof(${p.value})
      WHEN 'number' THEN CASE WHEN ${n} < 0 THEN 'negative' WHEN ${n} <> trunc(${n}) THEN 'fractional' WHEN ${n} > ${MAX} THEN 'out_of_range' END
      WHEN 'string' THEN CASE
        WHEN ${p.text} ~ ${constantLiteral(VALID_STRING_PATTERN)} THEN CASE WHEN NOT ${digitsFit(p)} THEN 'out_of_range' END
        WHEN ${p.text} ~ ${constantLiteral(NEGATIVE_STRING_PATTERN)} THEN CASE WHEN ${p.text} ~ '[1-9]' THEN 'negative' END
        ELSE 'not_a_number' END
      WHEN 'boolean' THEN 'not_a_number'
      WHEN 'object' THEN 'not_a_number'
      WHEN 'array' THEN 'not_a_number'
    END END
  END`;
}

/** `value(key)`: the key's value as bigint, NULL when absent or anomalous. */
function combine(value: (key: string) => string, keys: readonly string[]): string {
  const values = keys.map(value);
  // GREATEST skips NULLs; it is NULL only when every key is absent or anomalous.
  return `COALESCE(${values.length === 1 ? values[0] : `GREATEST(${values.join(', ')})`}, 0)`;
}

function anomaliesSql(metadata: string, rule: CacheTokenRule): string {
  const perKey = rule.outputs.flatMap((output) =>
    output.keys.map((key) => `(${keyAnomalySql(metadata, key)}) || ${constantLiteral(`:${key}`)}`),
  );
  return `CASE WHEN ${metadata} IS NULL THEN '{}'::text[]
      WHEN jsonb_typeof(${metadata}) <> 'object' THEN ARRAY['not_an_object:$']::text[]
      ELSE array_remove(ARRAY[${perKey.join(',\n        ')}]::text[], NULL) END`;
}

/**
 * Compiles the rule over `metadata`, an SQL expression of type jsonb that the caller has
 * built from quoted identifiers (e.g. `"t"."metadata"`).
 */
export function compileRuleSql(metadata: string, rule: CacheTokenRule = CACHE_TOKEN_RULE): RuleSql {
  const [read, write] = rule.outputs;
  const value = (key: string) => keyValueSql(metadata, key);
  return {
    cacheRead: combine(value, read.keys),
    cacheWrite: combine(value, write.keys),
    anomalies: anomaliesSql(metadata, rule),
  };
}

/**
 * What dashboards summed before the change (DOMAIN.md): cache_read_input + prompt_cached,
 * input_cached ignored, each value judged by the rule so a malformed one cannot abort a report.
 */
const LEGACY_DASHBOARD = { read: ['cache_read_input', 'prompt_cached'], write: 'cache_creation_input' } as const;

export interface StagedRuleSql extends RuleSql {
  /**
   * Select-list items for an inner query fenced with `OFFSET 0` (so PostgreSQL cannot paste
   * them back into the outer expressions): each key's value, judged once, under an alias.
   */
  keyColumns: string[];
  /** What dashboards summed before the change, over the same judged values (numeric). */
  legacyRead: string;
  legacyWrite: string;
}

/**
 * The rule in two stages, for queries that need several of its outputs per row (verify needs
 * both values, the anomalies and the legacy totals): every key is judged once in the inner
 * query, and the outputs combine the judged values. Anomalies are listed only for rows that
 * can have any — a key present without a valid value, or a document that is not an object —
 * so a plain row pays nothing for them. Same results as compileRuleSql, document for document
 * (test/integration/rule-equivalence.test.ts).
 *
 * `inner` is the metadata expression inside the inner query; `outer` names the inner query's
 * alias and the metadata as the outer query sees it (the inner query must pass it through).
 */
export function compileStagedRuleSql(inner: string, outer: { row: string; metadata: string }, rule: CacheTokenRule = CACHE_TOKEN_RULE): StagedRuleSql {
  const keys = rule.outputs.flatMap((output) => [...output.keys]);
  const alias = (key: string) => `"v_${keys.indexOf(key)}"`;
  const value = (key: string) => `${outer.row}.${alias(key)}`;
  const [read, write] = rule.outputs;
  const m = outer.metadata;
  const suspect = [`jsonb_typeof(${m}) <> 'object'`, ...keys.map((key) => `(${hasKey(m, key)} AND ${value(key)} IS NULL)`)].join(' OR ');
  // numeric: two valid values near the bigint maximum would overflow a bigint sum (22003).
  const legacy = (key: string) => `COALESCE(${value(key)}, 0)::numeric`;
  return {
    keyColumns: keys.map((key) => `${keyValueSql(inner, key)} AS ${alias(key)}`),
    cacheRead: combine(value, read.keys),
    cacheWrite: combine(value, write.keys),
    anomalies: `CASE WHEN ${m} IS NOT NULL AND (${suspect}) THEN ${anomaliesSql(m, rule)} ELSE '{}'::text[] END`,
    legacyRead: `(${LEGACY_DASHBOARD.read.map(legacy).join(' + ')})`,
    legacyWrite: legacy(LEGACY_DASHBOARD.write),
  };
}
