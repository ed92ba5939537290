import { describe, expect, it } from 'vitest';
import { CACHE_TOKEN_RULE, type CacheTokenRule } from '../../../src/rule/definition.js';
import { ruleFingerprint } from '../../../src/rule/fingerprint.js';
import { compileRuleSql, compileStagedRuleSql } from '../../../src/rule/sql.js';
import { upstreamSql } from '../../../src/rule/upstream.js';

describe('compiled rule SQL', () => {
  it('is pinned: a change to the SQL text is a change to the rule the backfill writes with', async () => {
    const rule = compileRuleSql('"t"."metadata"');
    const staged = compileStagedRuleSql('"t"."metadata"', '"k"');
    const upstream = upstreamSql('"t"."metadata"');
    const text = [
      `-- cacheRead\n${rule.cacheRead}`,
      `-- cacheWrite\n${rule.cacheWrite}`,
      `-- anomalies\n${rule.anomalies}`,
      `-- staged.innerColumns\n${staged.innerColumns.join(',\n')}`,
      `-- staged.cacheRead\n${staged.cacheRead}`,
      `-- staged.cacheWrite\n${staged.cacheWrite}`,
      `-- staged.anomalyLabels\n${staged.anomalyLabels.map((a) => `${a.label}: ${a.carried}`).join('\n')}`,
      `-- staged.anyAnomaly\n${staged.anyAnomaly}`,
      `-- staged.legacyReadTerms (the dashboards before the change)\n${staged.legacyReadTerms.join(' + ')}`,
      `-- staged.legacyWrite\n${staged.legacyWrite}`,
      `-- upstream.cacheRead\n${upstream.cacheRead}`,
      `-- upstream.cacheWrite\n${upstream.cacheWrite}`,
    ].join('\n\n');
    await expect(`${text}\n`).toMatchFileSnapshot('__snapshots__/sql.sql');
  });

  it('pins the fingerprint the backfill ledger stores: changing it strands runs recorded under the old one', () => {
    expect(ruleFingerprint()).toMatchInlineSnapshot(`"c7bf14c4ae4ad851"`);
  });

  it('uses the metadata expression it is given, and nothing else, as the document', () => {
    const sql = compileRuleSql('"x"."doc"');
    for (const expression of [sql.cacheRead, sql.cacheWrite, sql.anomalies]) {
      expect(expression).not.toMatch(/\bmetadata\b/);
      expect(expression).toContain('"x"."doc"');
    }
  });

  it('names every key of the rule, each as a quoted literal', () => {
    const sql = compileRuleSql('m');
    for (const output of CACHE_TOKEN_RULE.outputs) {
      const expression = output.name === 'cacheRead' ? sql.cacheRead : sql.cacheWrite;
      for (const key of output.keys) expect(expression).toContain(`m -> '${key}'`);
      for (const key of output.keys) expect(sql.anomalies).toContain(`':${key}'`);
    }
    expect(sql.cacheWrite).not.toContain('cache_read_input');
    expect(sql.cacheRead).not.toContain('cache_creation_input');
    expect(sql.cacheRead).not.toContain('cache_ephemeral');
  });

  it('quotes a key that holds a quote (a rule is data; its keys are not trusted to be tame)', () => {
    const rule: CacheTokenRule = {
      version: 1,
      outputs: [
        { column: 'cache_read_input_tokens', name: 'cacheRead', keys: ["it's"] },
        { column: 'cache_write_input_tokens', name: 'cacheWrite', keys: ['w'] },
      ],
    };
    const sql = compileRuleSql('m', rule);
    expect(sql.cacheRead).toContain(`m -> 'it''s'`);
    expect(sql.cacheRead).not.toMatch(/'it's'/);
    expect(sql.anomalies).toContain(`':it''s'`);
  });
});
