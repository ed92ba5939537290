/**
 * The rule compiled to SQL over a jsonb metadata expression, for the backfill's statements and
 * verify's census. No document can make these expressions raise: every cast sits behind a CASE
 * branch that has already proven its input castable — nested CASEs, never `AND`, whose operands
 * PostgreSQL does not promise to evaluate in order. test/integration/rule-equivalence.test.ts
 * holds them to the TypeScript evaluator on thousands of random documents.
 */
import { constantLiteral } from '../db/literal.js';
import { MAX_BIGINT, CACHE_TOKEN_RULE, ruleKeys, type AnomalyClass, type CacheTokenRule } from './definition.js';
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

/**
 * The code a judgement gives each per-value anomaly class: negative, so that every valid value
 * (≥ 0) is larger than every code and GREATEST picks values over anomalies. The numbers are
 * part of the rule's SQL text, hence of its fingerprint: changing one refuses to resume runs
 * recorded under the old text.
 */
export const ANOMALY_CODES = { not_a_number: -1, negative: -2, fractional: -3, out_of_range: -4 } as const satisfies Record<
  Exclude<AnomalyClass, 'not_an_object'>,
  number
>;

type ValueAnomaly = keyof typeof ANOMALY_CODES;
const VALUE_ANOMALIES = Object.keys(ANOMALY_CODES) as ValueAnomaly[];

function anomalyCode(cls: ValueAnomaly): number {
  return ANOMALY_CODES[cls];
}

/**
 * One key judged in one expression, as bigint: the value (≥ 0) when valid, the negative
 * anomaly code of its class when anomalous, NULL when absent. Every decision about a value is
 * made here; the value, the anomaly class and the rule's outputs are read off the judgement.
 *
 * The types are listed one by one, with no ELSE: a key that `?` found in an array document has
 * no value (jsonb_typeof NULL), which must fall through to NULL (absent), not to a class.
 */
export function keyJudgementSql(metadata: string, key: string): string {
  return judgement(metadata, key, true);
}

/**
 * The judgement; with `value` false a plain integer (the common case) judges as 0 instead of
 * its value: the anomaly list only needs to know it is valid, and extracting the value it does
 * not need is most of the list's cost (`npx tsx bench/rule-eval.ts` measures it).
 *
 * PostgreSQL does not share common subexpressions, so every mention of `metadata -> 'key'`
 * extracts and copies the value again; that copy, not the test around it, is what a
 * full-table evaluation pays for. The expression is therefore shaped for the common case, a
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
 */
function judgement(metadata: string, key: string, value: boolean): string {
  const p = parts(metadata, key);
  const n = p.numeric;
  const code = anomalyCode;
  return `CASE WHEN ${hasKey(metadata, key)} THEN
    CASE ${plainIntegerScale(p)} WHEN 0 THEN ${value ? `${p.text}::bigint` : '0'}
    ELSE CASE jsonb_typeof(${p.value})
      WHEN 'number' THEN CASE WHEN ${n} < 0 THEN ${code('negative')} WHEN ${n} <> trunc(${n}) THEN ${code('fractional')} WHEN ${n} > ${MAX} THEN ${code('out_of_range')} ELSE ${n}::bigint END
      WHEN 'string' THEN CASE
        WHEN ${p.text} ~ ${constantLiteral(VALID_STRING_PATTERN)} THEN CASE WHEN ${digitsFit(p)} THEN ('0' || ${significantDigits(p)})::bigint ELSE ${code('out_of_range')} END
        WHEN ${p.text} ~ ${constantLiteral(NEGATIVE_STRING_PATTERN)} THEN CASE WHEN ${p.text} ~ '[1-9]' THEN ${code('negative')} END
        ELSE ${code('not_a_number')} END
      WHEN 'boolean' THEN ${code('not_a_number')}
      WHEN 'object' THEN ${code('not_a_number')}
      WHEN 'array' THEN ${code('not_a_number')}
    END END
  END`;
}

/** The anomaly class (text) a judgement encodes, NULL for a value or an absent key. A simple
 *  CASE evaluates `judgement` once. */
function anomalyClassOf(judgement: string): string {
  return `CASE ${judgement} ${VALUE_ANOMALIES.map((c) => `WHEN ${anomalyCode(c)} THEN ${constantLiteral(c)}`).join(' ')} END`;
}

/** The value under one key as bigint, or NULL when absent or anomalous (codes are < 0). */
export function keyValueSql(metadata: string, key: string): string {
  return `NULLIF(GREATEST(${keyJudgementSql(metadata, key)}, -1), -1)`;
}

/**
 * One output of the rule over its keys' judgements. Valid values are ≥ 0 and anomaly codes
 * < 0, and GREATEST skips NULLs (absent keys): the largest judgement, floored at 0, is the
 * largest valid value, or 0 if there is none.
 */
function output(judgement: (key: string) => string, keys: readonly string[]): string {
  return `GREATEST(0, ${keys.map(judgement).join(', ')})`;
}

/** `class:key` for each anomalous key, NULL for the others, in the rule's key order. */
function anomalyLabels(judgement: (key: string) => string, keys: readonly string[]): string[] {
  return keys.map((key) => `(${anomalyClassOf(judgement(key))}) || ${constantLiteral(`:${key}`)}`);
}

/**
 * Compiles the rule over `metadata`, an SQL expression of type jsonb that the caller has
 * built from quoted identifiers (e.g. `"t"."metadata"`).
 */
export function compileRuleSql(metadata: string, rule: CacheTokenRule = CACHE_TOKEN_RULE): RuleSql {
  const [read, write] = rule.outputs;
  const valued = (key: string) => judgement(metadata, key, true);
  const validity = (key: string) => judgement(metadata, key, false);
  return {
    cacheRead: output(valued, read.keys),
    cacheWrite: output(valued, write.keys),
    anomalies: `CASE WHEN ${metadata} IS NULL THEN '{}'::text[]
      WHEN jsonb_typeof(${metadata}) <> 'object' THEN ARRAY['not_an_object:$']::text[]
      ELSE array_remove(ARRAY[${anomalyLabels(validity, ruleKeys(rule)).join(',\n        ')}]::text[], NULL) END`,
  };
}

/**
 * What dashboards summed before the change (Coder's telemetry query, docs/verify.md):
 * cache_read_input + prompt_cached, input_cached ignored; each value judged by the rule here,
 * so a malformed one cannot abort a report.
 */
export const LEGACY_DASHBOARD = { read: ['cache_read_input', 'prompt_cached'], write: 'cache_creation_input' } as const;

export interface StagedRuleSql {
  /**
   * Select-list items for an inner query fenced with `OFFSET 0` (so PostgreSQL cannot paste
   * them back into the outer expressions): each key's judgement, and the document's JSON type.
   */
  innerColumns: string[];
  /** Over the inner query's columns: bigint, never NULL. */
  cacheRead: string;
  cacheWrite: string;
  /**
   * Each anomaly label a row can carry (`not_an_object:$`, then `class:key` key by key, in the
   * order of RuleSql.anomalies), with a boolean over the inner query's columns that is true
   * exactly when the row carries it (never NULL). A label is a comparison of one judgement
   * with one code, so counting rows per label needs no array; a document that is not an
   * object judges every key NULL (keyJudgementSql), so its only label is `not_an_object:$`.
   */
  anomalyLabels: ReadonlyArray<{ label: string; carried: string }>;
  /** The row carries at least one anomaly label (never NULL). */
  anyAnomaly: string;
  /**
   * What dashboards summed before the change, as bigint terms to be summed one by one: added
   * per row, two valid values near the bigint maximum would overflow (22003).
   */
  legacyReadTerms: string[];
  legacyWrite: string;
  /**
   * Per anomaly class, a boolean over the inner query's columns: the row has at least one
   * value of that class (never NULL). Counting rows per class needs no array at all.
   */
  hasAnomaly: Record<AnomalyClass, string>;
}

/**
 * The rule in two stages, for a query that needs several of its outputs per row (verify needs
 * both values, the anomalies and the legacy totals): the inner query judges every key once
 * (keyJudgementSql), the outer one derives every output from the judgements with integer
 * comparisons, and never needs the document itself. Same results as compileRuleSql, document
 * for document (test/integration/rule-equivalence.test.ts).
 *
 * `metadata` is the jsonb expression inside the inner query; `row` the inner query's alias.
 */
export function compileStagedRuleSql(metadata: string, row: string, rule: CacheTokenRule = CACHE_TOKEN_RULE): StagedRuleSql {
  const keys = ruleKeys(rule);
  const alias = (key: string) => `"j_${keys.indexOf(key)}"`;
  const j = (key: string) => `${row}.${alias(key)}`;
  const kind = `${row}."doc_kind"`;
  const [read, write] = rule.outputs;
  return {
    innerColumns: [...keys.map((key) => `${keyJudgementSql(metadata, key)} AS ${alias(key)}`), `jsonb_typeof(${metadata}) AS "doc_kind"`],
    cacheRead: output(j, read.keys),
    cacheWrite: output(j, write.keys),
    anomalyLabels: [
      { label: 'not_an_object:$', carried: `COALESCE(${kind} <> 'object', false)` },
      ...keys.flatMap((key) =>
        VALUE_ANOMALIES.map((c) => ({ label: `${c}:${key}`, carried: `COALESCE(${j(key)} = ${anomalyCode(c)}, false)` })),
      ),
    ],
    anyAnomaly: `COALESCE(${kind} <> 'object' OR LEAST(${keys.map(j).join(', ')}) < 0, false)`,
    legacyReadTerms: LEGACY_DASHBOARD.read.map((key) => `GREATEST(0, ${j(key)})`),
    legacyWrite: `GREATEST(0, ${j(LEGACY_DASHBOARD.write)})`,
    hasAnomaly: {
      not_an_object: `COALESCE(${kind} <> 'object', false)`,
      ...(Object.fromEntries(
        VALUE_ANOMALIES.map((c) => [c, `COALESCE(${anomalyCode(c)} IN (${keys.map(j).join(', ')}), false)`]),
      ) as Record<ValueAnomaly, string>),
    },
  };
}
