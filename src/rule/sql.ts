/**
 * The rule compiled to SQL expressions over a jsonb metadata expression. Nothing in them can
 * raise an error for any document: every cast is reached only through a CASE branch that has
 * already proven the input castable (jsonb_typeof 'number' to numeric; a string matched
 * against the digit pattern, then range-checked as numeric before the bigint cast).
 *
 * PostgreSQL evaluates CASE branches lazily for non-constant inputs, which is what makes the
 * guarded casts safe; the inputs here are always column references.
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

function keyValue(metadata: string, key: string): string {
  return `(${metadata} -> ${constantLiteral(key)})`;
}

/** The value under one key as bigint, or NULL when absent or anomalous. */
export function keyValueSql(metadata: string, key: string): string {
  const v = keyValue(metadata, key);
  const n = `${v}::numeric`;
  const s = `(${v} #>> '{}')`;
  const digits = `regexp_replace(${s}, '[^0-9]', '', 'g')::numeric`;
  return `CASE jsonb_typeof(${v})
    WHEN 'number' THEN CASE WHEN ${n} >= 0 AND ${n} = trunc(${n}) AND ${n} <= ${MAX} THEN ${n}::bigint END
    WHEN 'string' THEN CASE WHEN ${s} ~ ${constantLiteral(VALID_STRING_PATTERN)} AND ${digits} <= ${MAX} THEN ${digits}::bigint END
  END`;
}

/**
 * The anomaly class of the value under one key as text, or NULL when absent or valid. No ELSE:
 * an absent key makes jsonb_typeof NULL, which must fall through to NULL, not to a class.
 */
export function keyAnomalySql(metadata: string, key: string): string {
  const v = keyValue(metadata, key);
  const n = `${v}::numeric`;
  const s = `(${v} #>> '{}')`;
  const digits = `regexp_replace(${s}, '[^0-9]', '', 'g')::numeric`;
  return `CASE jsonb_typeof(${v})
    WHEN 'number' THEN CASE WHEN ${n} < 0 THEN 'negative' WHEN ${n} <> trunc(${n}) THEN 'fractional' WHEN ${n} > ${MAX} THEN 'out_of_range' END
    WHEN 'string' THEN CASE
      WHEN ${s} ~ ${constantLiteral(VALID_STRING_PATTERN)} THEN CASE WHEN ${digits} > ${MAX} THEN 'out_of_range' END
      WHEN ${s} ~ ${constantLiteral(NEGATIVE_STRING_PATTERN)} THEN CASE WHEN ${s} ~ '[1-9]' THEN 'negative' END
      ELSE 'not_a_number' END
    WHEN 'boolean' THEN 'not_a_number'
    WHEN 'object' THEN 'not_a_number'
    WHEN 'array' THEN 'not_a_number'
  END`;
}

function combine(metadata: string, keys: readonly string[]): string {
  const values = keys.map((key) => keyValueSql(metadata, key));
  // GREATEST skips NULLs; it is NULL only when every key is absent or anomalous.
  return `COALESCE(${values.length === 1 ? values[0] : `GREATEST(${values.join(', ')})`}, 0)`;
}

/**
 * Compiles the rule over `metadata`, an SQL expression of type jsonb that the caller has
 * built from quoted identifiers (e.g. `"t"."metadata"`).
 */
export function compileRuleSql(metadata: string, rule: CacheTokenRule = CACHE_TOKEN_RULE): RuleSql {
  const [read, write] = rule.outputs;
  const perKey = rule.outputs.flatMap((output) =>
    output.keys.map((key) => `(${keyAnomalySql(metadata, key)}) || ${constantLiteral(`:${key}`)}`),
  );
  return {
    cacheRead: combine(metadata, read.keys),
    cacheWrite: combine(metadata, write.keys),
    anomalies: `CASE WHEN ${metadata} IS NULL THEN '{}'::text[]
      WHEN jsonb_typeof(${metadata}) <> 'object' THEN ARRAY['not_an_object:$']::text[]
      ELSE array_remove(ARRAY[${perKey.join(',\n        ')}]::text[], NULL) END`,
  };
}

/**
 * What dashboards summed before the change (cache_read_input + prompt_cached; input_cached
 * ignored), with each value judged by the rule so a malformed value cannot abort the report.
 */
export function legacyDashboardSql(metadata: string): { cacheRead: string; cacheWrite: string } {
  const value = (key: string) => `COALESCE(${keyValueSql(metadata, key)}, 0)`;
  return {
    cacheRead: `(${value('cache_read_input')} + ${value('prompt_cached')})`,
    cacheWrite: value('cache_creation_input'),
  };
}
