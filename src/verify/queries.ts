/**
 * What verify asks before it reads the table, and the anomaly labels it reports. The reads
 * themselves are chunk statements: the census (src/scan/census.ts) and the later passes
 * (rows.ts).
 */
import { ANOMALY_CLASSES, ruleKeys } from '../rule/index.js';

/** Every anomaly label the rule can produce (`class:key`), in a stable order. */
export function allAnomalyLabels(): string[] {
  const keys = ruleKeys();
  return ['not_an_object:$', ...ANOMALY_CLASSES.filter((c) => c !== 'not_an_object').flatMap((c) => keys.map((k) => `${c}:${k}`))];
}

/** `$1` = the usage table's qualified name as text, `$2` = the cache column names, `$3` = the interceptions table's name. */
export const PREFLIGHT_SQL = `SELECT to_regclass($1) IS NOT NULL AS table_exists,
  (SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = ANY($2) AND NOT attisdropped)::int AS cache_columns,
  to_regclass($3) IS NOT NULL AS interceptions_exist`;
