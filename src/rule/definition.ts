/**
 * The cache-token rule, defined once. Everything that computes a cache count — the SQL the
 * backfill writes with, the SQL the verifier checks with, the TypeScript evaluator used by
 * reports and tests — is compiled from this object.
 */

export const MAX_BIGINT = 9223372036854775807n;

/** Why a value under one of the rule's keys was not used (it then counts as absent). */
export const ANOMALY_CLASSES = [
  /** The metadata document is not a JSON object (array, string, number, boolean, JSON null). */
  'not_an_object',
  /** A non-numeric string, a boolean, an object or an array. */
  'not_a_number',
  /** A number (or numeric string) below zero. */
  'negative',
  /** A number with a non-zero fractional part. */
  'fractional',
  /** An integer above 9223372036854775807, the largest BIGINT. */
  'out_of_range',
] as const;

export type AnomalyClass = (typeof ANOMALY_CLASSES)[number];

export interface RuleOutput {
  /** The column of aibridge_token_usages this output fills. */
  column: 'cache_read_input_tokens' | 'cache_write_input_tokens';
  /** Short name used in reports and the TypeScript result. */
  name: 'cacheRead' | 'cacheWrite';
  /** Metadata keys that may carry the value; the largest valid one wins, 0 if none. */
  keys: readonly string[];
}

export interface CacheTokenRule {
  /** Bumped when the meaning of the rule changes; part of the fingerprint. */
  version: number;
  outputs: readonly [RuleOutput, RuleOutput];
}

export const CACHE_TOKEN_RULE: CacheTokenRule = {
  version: 1,
  outputs: [
    // Anthropic (and Bedrock) write cache_read_input, OpenAI Responses input_cached, OpenAI
    // Chat Completions (and Copilot) prompt_cached. Only one should be set per row.
    { column: 'cache_read_input_tokens', name: 'cacheRead', keys: ['cache_read_input', 'input_cached', 'prompt_cached'] },
    // Only Anthropic reports cache writes. cache_ephemeral_5m_input / _1h_input are a
    // breakdown of this same number and must not be added to it.
    { column: 'cache_write_input_tokens', name: 'cacheWrite', keys: ['cache_creation_input'] },
  ],
};

/** Every metadata key the rule reads, in definition order. */
export function ruleKeys(rule: CacheTokenRule = CACHE_TOKEN_RULE): string[] {
  return rule.outputs.flatMap((output) => [...output.keys]);
}
