/**
 * The SQL parity class and the TypeScript classifier (parity-class.ts) decide alike, on rows
 * generated at random: metadata from every anomaly family, columns zero, equal to the rule,
 * or something else. Twice: row by row in the statements that name sample rows (rows.ts), and
 * in total in the census (scan/census.ts: the comparisons packed into bits, classified back in
 * TypeScript), with every anomaly label.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anomalyLabels as ruleAnomalyLabels, evaluateMetadataText } from '../../src/rule/index.js';
import { censusStatement } from '../../src/scan/census.js';
import { readCensus } from '../../src/scan/tally.js';
import type { ScanWindow } from '../../src/scan/windows.js';
import { groupFacts } from '../../src/verify/census-facts.js';
import { classifyParity, PARITY_CLASSES } from '../../src/verify/parity-class.js';
import { classSampleStatement } from '../../src/verify/rows.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { applyToolkitMigrations } from '../harness/toolkit-schema.js';

const value = fc.oneof(
  fc.integer({ min: 0, max: 5 }),
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.integer({ min: -50, max: -1 }),
  fc.constantFrom(12.5, '77', 'abc', true, null, { a: 1 }, [1], '9223372036854775808'),
);
const metadata = fc.oneof(
  fc.record(
    { cache_read_input: value, input_cached: value, prompt_cached: value, cache_creation_input: value, other: value },
    { requiredKeys: [] },
  ),
  fc.constantFrom<unknown>(null, [], 'text', 5),
);
const column = fc.constantFrom('zero', 'rule', 'other', 'small') as fc.Arbitrary<'zero' | 'rule' | 'other' | 'small'>;

describe('parity class: SQL against TypeScript', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await applyToolkitMigrations(db.url);
  });
  afterAll(() => db.drop());

  it('agrees on 400 random rows', async () => {
    const rows = fc.sample(fc.tuple(metadata, column, column), { numRuns: 400, seed: 20261128 });
    const ids: string[] = [];
    const metas: (string | null)[] = [];
    const reads: string[] = [];
    const writes: string[] = [];
    for (const [n, [meta, readKind, writeKind]] of rows.entries()) {
      const text = meta === null ? null : JSON.stringify(meta);
      const rule = evaluateMetadataText(text);
      const pick = (kind: string, ruleValue: bigint) =>
        kind === 'zero' ? 0n : kind === 'rule' ? ruleValue : kind === 'small' ? 1n : ruleValue + 1000n;
      ids.push(`00000000-0000-0000-0000-${String(n).padStart(12, '0')}`);
      metas.push(text);
      reads.push(pick(readKind, rule.cacheRead).toString());
      writes.push(pick(writeKind, rule.cacheWrite).toString());
    }
    await db.query(
      `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at, cache_read_input_tokens, cache_write_input_tokens)
       SELECT id, gen_random_uuid(), 'r', 1, 1, m::jsonb, now(), cr, cw FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[]) AS u(id, m, cr, cw)`,
      [ids, metas, reads, writes],
    );
    const scope = { usages: '"public"."aibridge_token_usages"', interceptions: '"public"."aibridge_interceptions"', columnsPresent: true };
    const everything: ScanWindow = { by: 'keys', from: 0, to: 1 };
    const classified: { id: string; parity_class: string }[] = [];
    for (const cls of PARITY_CLASSES) {
      const statement = classSampleStatement(scope, everything, cls, 10_000);
      const { rows } = await db.query(statement.text, statement.values);
      classified.push(...rows.map((r) => ({ id: r.id as string, parity_class: cls })));
    }
    classified.sort((a, b) => a.id.localeCompare(b.id));
    const expected = ids.map((id, n) => {
      const rule = evaluateMetadataText(metas[n]!);
      return {
        id,
        parity_class: classifyParity({
          columnRead: BigInt(reads[n]!),
          columnWrite: BigInt(writes[n]!),
          ruleRead: rule.cacheRead,
          ruleWrite: rule.cacheWrite,
        }),
      };
    });
    expect(classified).toEqual(expected);
    // The sample must exercise every class, or the comparison proves little.
    expect(new Set(expected.map((e) => e.parity_class))).toEqual(new Set(['ok', 'application_written', 'pending', 'conflict']));

    const census = censusStatement(scope, everything, null);
    const [facts] = groupFacts(readCensus((await db.query(census.text, census.values)).rows).groups).filter((g) => !g.hasInterception);
    const count = (cls: string) => expected.filter((e) => e.parity_class === cls).length;
    expect(facts!.classes).toEqual(Object.fromEntries(PARITY_CLASSES.map((cls) => [cls, count(cls)])));
    const labels = new Map<string, number>();
    for (const meta of metas)
      for (const label of ruleAnomalyLabels(evaluateMetadataText(meta).anomalies)) labels.set(label, (labels.get(label) ?? 0) + 1);
    expect(Object.fromEntries(Object.entries(facts!.anomalyLabels).filter(([, n]) => n > 0))).toEqual(Object.fromEntries(labels));
    expect(facts!.rowsWithAnomalies).toBe(metas.filter((m) => evaluateMetadataText(m).anomalies.length > 0).length);
  });
});
