/**
 * What verify asks before it reads the table, and the anomaly labels it reports. The reads
 * themselves are chunk statements: the census (src/scan/census.ts) and the later passes
 * (rows.ts).
 */
import { param, sql, type Sql } from '../db/sql.js';
import { ANOMALY_CLASSES, ruleKeys } from '../rule/index.js';

/** Every anomaly label the rule can produce (`class:key`), in a stable order. */
export function allAnomalyLabels(): string[] {
  const keys = ruleKeys();
  return ['not_an_object:$', ...ANOMALY_CLASSES.filter((c) => c !== 'not_an_object').flatMap((c) => keys.map((k) => `${c}:${k}`))];
}

/** Whether the usage table, its cache columns (how many of `cacheColumns`) and the interceptions table exist; names quoted. */
export function preflightStatement(usages: string, cacheColumns: readonly string[], interceptions: string): Sql {
  const table = param(usages);
  return sql`SELECT to_regclass(${table}) IS NOT NULL AS table_exists,
  (SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass(${table}) AND attname = ANY(${cacheColumns}) AND NOT attisdropped)::int AS cache_columns,
  to_regclass(${interceptions}) IS NOT NULL AS interceptions_exist`;
}
