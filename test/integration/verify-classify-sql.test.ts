/**
 * The SQL parity class and the TypeScript classifier (parity-class.ts) decide alike, on rows
 * generated at random: metadata from every anomaly family, columns zero, equal to the rule,
 * or something else.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateMetadataText } from '../../src/rule/index.js';
import { classifyParity } from '../../src/verify/parity-class.js';
import { rowProjectionSql } from '../../src/verify/queries.js';
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
    const { rows: classified } = await db.query(
      `SELECT x.id::text AS id, x.parity_class FROM (${rowProjectionSql({ appSchema: 'public', columnsPresent: true }, 'rows')}) AS x ORDER BY x.id`,
    );
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
  });
});
