/**
 * A short hash of the rule: its definition and the SQL compiled from it. The backfill ledger
 * stores it per run and refuses to resume a run under a different rule, since half the table
 * would then follow one rule and half another.
 */
import { createHash } from 'node:crypto';
import { CACHE_TOKEN_RULE, type CacheTokenRule } from './definition.js';
import { compileRuleSql } from './sql.js';

export function ruleFingerprint(rule: CacheTokenRule = CACHE_TOKEN_RULE): string {
  const sql = compileRuleSql('metadata', rule);
  return createHash('sha256')
    .update(JSON.stringify({ version: rule.version, outputs: rule.outputs, sql }))
    .digest('hex')
    .slice(0, 16);
}
