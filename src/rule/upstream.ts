import { constantLiteral } from '../db/literal.js';

/**
 * The upstream project's backfill expressions, verbatim in meaning: each key's text cast to
 * bigint. Kept only to compare against (compatibility tests, benchmarks); it raises on
 * `5376.0`, `"abc"`, `true`, objects and out-of-range numbers, and passes negatives through.
 */
export function upstreamSql(metadata: string): { cacheRead: string; cacheWrite: string } {
  const cast = (key: string) => `COALESCE((${metadata} ->> ${constantLiteral(key)})::bigint, 0)`;
  return {
    cacheRead: `GREATEST(${cast('cache_read_input')}, ${cast('input_cached')}, ${cast('prompt_cached')})`,
    cacheWrite: cast('cache_creation_input'),
  };
}
