export {
  CACHE_TOKEN_RULE,
  ANOMALY_CLASSES,
  MAX_BIGINT,
  ruleKeys,
  type AnomalyClass,
  type CacheTokenRule,
  type RuleOutput,
} from './definition.js';
export { evaluateJson, evaluateMetadata, evaluateMetadataText, anomalyLabels, type RuleAnomaly, type RuleResult } from './evaluate.js';
export {
  compileRuleSql,
  compileStagedRuleSql,
  keyJudgementSql,
  keyValueSql,
  LEGACY_DASHBOARD,
  type RuleSql,
  type StagedRuleSql,
} from './sql.js';
export { ruleFingerprint } from './fingerprint.js';
export { upstreamSql } from './upstream.js';
