/** The rule evaluated in TypeScript, for reports, examples and as the reference in tests. */
import { CACHE_TOKEN_RULE, type AnomalyClass, type CacheTokenRule } from './definition.js';
import { classifyValue } from './classify.js';
import { fromJavaScript, parseJsonText, type JsonValue } from './json-text.js';

export interface RuleAnomaly {
  /** The metadata key, or null for a document that is not an object. */
  key: string | null;
  anomaly: AnomalyClass;
}

export interface RuleResult {
  cacheRead: bigint;
  cacheWrite: bigint;
  /** In definition order of the keys; the document-level anomaly first. */
  anomalies: RuleAnomaly[];
}

export function evaluateJson(document: JsonValue | null, rule: CacheTokenRule = CACHE_TOKEN_RULE): RuleResult {
  const result: RuleResult = { cacheRead: 0n, cacheWrite: 0n, anomalies: [] };
  if (document === null) return result;
  if (document.kind !== 'object') {
    result.anomalies.push({ key: null, anomaly: 'not_an_object' });
    return result;
  }
  for (const output of rule.outputs) {
    let best = 0n;
    for (const key of output.keys) {
      const verdict = classifyValue(document.entries.get(key));
      if (verdict.status === 'valid' && verdict.value > best) best = verdict.value;
      if (verdict.status === 'anomaly') result.anomalies.push({ key, anomaly: verdict.anomaly });
    }
    result[output.name] = best;
  }
  return result;
}

/** From the column's text (`metadata::text`), exact for any integer. NULL metadata gives (0, 0). */
export function evaluateMetadataText(text: string | null, rule: CacheTokenRule = CACHE_TOKEN_RULE): RuleResult {
  return evaluateJson(text === null ? null : parseJsonText(text), rule);
}

/** From an already-parsed value; exact only where numbers are bigint or below 2^53. */
export function evaluateMetadata(value: unknown, rule: CacheTokenRule = CACHE_TOKEN_RULE): RuleResult {
  return evaluateJson(value === null || value === undefined ? null : fromJavaScript(value), rule);
}

/** The anomalies as the SQL anomaly expression lists them: `class:key`, `not_an_object:$`. */
export function anomalyLabels(anomalies: readonly RuleAnomaly[]): string[] {
  return anomalies.map((a) => `${a.anomaly}:${a.key ?? '$'}`);
}
