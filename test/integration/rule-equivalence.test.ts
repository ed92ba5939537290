/**
 * Property: on random metadata documents stored in a real PostgreSQL, the compiled SQL rule,
 * the TypeScript evaluator on the stored text and the TypeScript evaluator on the text as
 * generated all agree, values and anomalies; and the rule gives exactly the upstream values
 * wherever the upstream expression succeeds with non-negative values.
 *
 * Reproduce a failure with the seed fast-check prints: RULE_PROPERTY_SEED=<seed> npx vitest run
 * --project integration test/integration/rule-equivalence.test.ts
 */
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleKeys } from '../../src/rule/definition.js';
import { anomalyLabels, evaluateMetadataText, type RuleResult } from '../../src/rule/evaluate.js';
import { parseJsonText } from '../../src/rule/json-text.js';
import { compileRuleSql, compileStagedRuleSql, keyValueSql } from '../../src/rule/sql.js';
import { upstreamSql } from '../../src/rule/upstream.js';
import { constantLiteral } from '../../src/db/literal.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

const RUNS = 6;
const DOCUMENTS_PER_RUN = 1000;
const SEED = process.env.RULE_PROPERTY_SEED ? Number(process.env.RULE_PROPERTY_SEED) : undefined;

const MAX = 2n ** 63n - 1n;
const RULE_KEYS = ruleKeys();
const OTHER_KEYS = [
  'cache_ephemeral_5m_input',
  'cache_ephemeral_1h_input',
  'web_search_requests',
  'prompt_audio',
  'completion_reasoning',
  'output_reasoning',
  'total_tokens',
  'Cache_Read_Input',
  'cache_read_input ',
  'cache_read_\u00eenput',
  '\uff43ache_read_input',
  '\u7f13\u5b58',
  '\u{1F600}',
];

// ---- JSON text generators: documents are built as text so that numerals such as 5376.0,
// 1E+21 or 9007199254740993 reach PostgreSQL exactly as written.

const boundary = fc.constantFrom(
  0n,
  1n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  MAX - 1n,
  MAX,
  MAX + 1n,
  2n ** 64n,
  10n ** 18n,
  10n ** 19n,
);
const nonNegative = fc.oneof(
  { arbitrary: fc.bigInt({ min: 0n, max: MAX }), weight: 3 },
  { arbitrary: fc.bigInt({ min: 0n, max: 10n ** 7n }), weight: 3 },
  { arbitrary: boundary, weight: 2 },
);
const anyInteger = fc.oneof(
  { arbitrary: nonNegative, weight: 4 },
  fc.bigInt({ min: -(2n ** 70n), max: -1n }).map((n) => n),
  boundary.map((n) => -n),
  fc.bigInt({ min: MAX, max: 2n ** 80n }),
);

/** An integer, a decimal (integral or not) or an exponent form, as JSON can write a number. */
const numberText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: anyInteger.map(String), weight: 6 },
  {
    arbitrary: fc
      .tuple(anyInteger, fc.oneof(fc.constantFrom('0', '00', '000'), fc.stringMatching(/^[0-9]{1,4}$/)))
      .map(([i, f]) => `${i}.${f}`),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(
        fc.stringMatching(/^-?(0|[1-9][0-9]{0,3})(\.[0-9]{1,4})?$/),
        fc.constantFrom('e', 'E'),
        fc.constantFrom('', '+', '-'),
        fc.integer({ min: 0, max: 40 }),
      )
      .map(([m, e, s, x]) => `${m}${e}${s}${x}`),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(
      '-0',
      '-0.0',
      '0.0',
      '0e10',
      '1e1000',
      '1e-1000',
      '9.223372036854775807e18',
      '92233720368547758070e-1',
      '9223372036854775807.5',
    ),
    weight: 1,
  },
);

const SPACE = fc.constantFrom('', '', ' ', '  ', '\t', '\n', '\r', '\v', '\f');
const JUNK = fc.constantFrom(
  '_',
  '.',
  '.0',
  'e3',
  'x',
  '0x',
  '0o',
  '0b',
  '\u00a0',
  '\u2009',
  '\u0663',
  '\uff11',
  ' ',
  '+',
  '-',
  'abc',
  '1_000',
);

/** A string that the rule may or may not accept as a number. */
const numericString: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc
      .tuple(SPACE, fc.constantFrom('', '', '+', '-'), fc.constantFrom('', '', '0', '000'), nonNegative, SPACE)
      .map((p) => p.map(String).join('')),
    weight: 4,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{1,30}$/), JUNK, fc.stringMatching(/^[0-9]{0,4}$/))
      .map((p) => p.join('')),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom('', ' ', '+', '-', '-0', ' -00 ', '0x1F', '0o17', '0b101', '1_000', '12.5', '5376.0', '1e3', 'null', 'true'),
    weight: 1,
  },
);

/** Any string without NUL, which jsonb cannot store; unpaired surrogates are never generated. */
const text = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\u0000'));

const jsonString = (s: fc.Arbitrary<string>) => s.map((v) => JSON.stringify(v));

/** Any JSON value, nested a few levels. */
const anyJson: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('null', 'true', 'false', '{}', '[]'),
    numberText,
    jsonString(text),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(jsonString(text), tie('value')), { maxLength: 3 }).map((es) => `{${es.map(([k, v]) => `${k}:${v}`).join(',')}}`),
  ),
})).value;

/** What a rule key may hold: mostly numbers and numeric strings, sometimes anything. */
const ruleValue = fc.oneof(
  { arbitrary: numberText, weight: 6 },
  { arbitrary: jsonString(numericString), weight: 3 },
  { arbitrary: anyJson, weight: 2 },
);

const WS = fc.constantFrom('', '', ' ', '\n', ' \t');
const entry = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(...RULE_KEYS), ruleValue), weight: 60 },
  { arbitrary: fc.tuple(fc.constantFrom(...OTHER_KEYS), fc.oneof(numberText, anyJson)), weight: 20 },
  { arbitrary: fc.tuple(text, anyJson), weight: 10 },
  // Very large documents: a long string, or deep nesting, beside the rule keys.
  {
    arbitrary: fc.tuple(
      fc.constant('blob'),
      fc.integer({ min: 1_000, max: 100_000 }).map((n) => JSON.stringify('x'.repeat(n))),
    ),
    weight: 1,
  },
  {
    arbitrary: fc.tuple(
      fc.constant('deep'),
      fc.integer({ min: 100, max: 3_000 }).map((n) => `${'['.repeat(n)}1${']'.repeat(n)}`),
    ),
    weight: 1,
  },
);

const objectDocument = fc
  .tuple(fc.array(fc.tuple(entry, WS), { maxLength: 8 }), WS)
  .map(([entries, ws]) => `${ws}{${entries.map(([[k, v], s]) => `${s}${JSON.stringify(k)}${s}:${s}${v}`).join(',')}${ws}}`);

/** A metadata document as JSON text, or null for SQL NULL. */
const metadataDocument: fc.Arbitrary<string | null> = fc.oneof(
  { arbitrary: objectDocument, weight: 20 },
  {
    arbitrary: fc.oneof(
      numberText,
      jsonString(text),
      fc.constantFrom('null', 'true', '[]', '"cache_read_input"', '["cache_read_input", "prompt_cached"]'),
    ),
    weight: 1,
  },
  { arbitrary: fc.array(objectDocument, { maxLength: 2 }).map((ds) => `[${ds.join(',')}]`), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
);

// ---- evaluation

interface Evaluated {
  read: string;
  write: string;
  anomalies: string[];
}

const fromTs = (r: RuleResult): Evaluated => ({
  read: r.cacheRead.toString(),
  write: r.cacheWrite.toString(),
  anomalies: anomalyLabels(r.anomalies),
});

interface StoredRow extends Evaluated {
  stored: string | null;
  /** The staged form verify uses, evaluated on the same document. */
  staged: Evaluated & { legacy: [string, string]; any_anomaly: boolean };
  /** The old dashboards' read and write, straight from each key's value. */
  legacy: [string, string];
  /** Upstream [read, write] as text, or null when its casts raised. */
  upstream: [string, string] | null;
}

describe('the compiled SQL rule equals the TypeScript rule on random documents (fast-check, real PostgreSQL)', () => {
  let db: TestDatabase;
  let client: pg.PoolClient;
  let serverVersion: number;
  const rule = compileRuleSql('"t"."metadata"');
  const upstream = upstreamSql('"m"');
  const staged = compileStagedRuleSql('"t"."metadata"', '"k"');
  const keyValue = (key: string) => `COALESCE(${keyValueSql('"t"."metadata"', key)}, 0)::numeric`;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = await db.pool.connect();
    serverVersion = Number((await client.query('SHOW server_version_num')).rows[0].server_version_num);
    await client.query(`CREATE TABLE "docs" ("n" int PRIMARY KEY, "metadata" jsonb)`);
    // The upstream expression raises on malformed values; the function turns that into NULL
    // so one statement can evaluate it on every document.
    await client.query(`CREATE FUNCTION "upstream_eval"("m" jsonb) RETURNS text[] LANGUAGE plpgsql AS $fn$
      BEGIN
        RETURN ARRAY[(${upstream.cacheRead})::text, (${upstream.cacheWrite})::text];
      EXCEPTION WHEN OTHERS THEN
        RETURN NULL;
      END $fn$`);
  });
  afterAll(async () => {
    client?.release();
    await db?.drop();
  });

  async function evaluateInPostgres(documents: (string | null)[]): Promise<StoredRow[]> {
    await client.query('TRUNCATE "docs"');
    await client.query(`INSERT INTO "docs" ("n", "metadata") SELECT u.n, u.m::jsonb FROM unnest($1::text[]) WITH ORDINALITY AS u(m, n)`, [
      documents,
    ]);
    const { rows } = await client.query(
      `SELECT "t"."metadata"::text AS stored, (${rule.cacheRead})::text AS read, (${rule.cacheWrite})::text AS write,
              ${rule.anomalies} AS anomalies, "upstream_eval"("t"."metadata") AS upstream,
              ARRAY[(${keyValue('cache_read_input')} + ${keyValue('prompt_cached')})::text, (${keyValue('cache_creation_input')})::text] AS legacy
         FROM "docs" AS "t" ORDER BY "t"."n"`,
    );
    const { rows: stagedRows } = await client.query(
      `SELECT (${staged.cacheRead})::text AS read, (${staged.cacheWrite})::text AS write, array_remove(ARRAY[${staged.anomalyLabels.map((a) => `CASE WHEN ${a.carried} THEN ${constantLiteral(a.label)} END`).join(', ')}]::text[], NULL) AS anomalies,
              ${staged.anyAnomaly} AS any_anomaly,
              ARRAY[(${staged.legacyReadTerms.map((term) => `(${term})::numeric`).join(' + ')})::text, (${staged.legacyWrite})::text] AS legacy
         FROM (SELECT "t"."n", ${staged.innerColumns.join(', ')} FROM "docs" AS "t" OFFSET 0) AS "k" ORDER BY "k"."n"`,
    );
    return rows.map((row, i) => ({ ...row, staged: stagedRows[i] }));
  }

  /** The values under the rule's keys, when the document is an object. */
  const ruleValues = (stored: string | null) => {
    const doc = stored === null ? null : parseJsonText(stored);
    return doc?.kind === 'object' ? RULE_KEYS.map((key) => doc.entries.get(key)) : [];
  };

  /** Whether a rule key holds a JSON number written with a decimal point (5376.0 or 12.5). */
  const hasDecimalNumeral = (stored: string | null) => ruleValues(stored).some((v) => v?.kind === 'number' && v.literal.includes('.'));

  /** PostgreSQL 16+ int8 input also reads 1_000, 0x1F, 0o17, 0b101; the rule calls them anomalies. */
  const int8AcceptsMore = (stored: string | null) =>
    serverVersion >= 160000 && ruleValues(stored).some((v) => v?.kind === 'string' && /_|0[xXoObB]/.test(v.value));

  it('agrees on every document, values and anomalies; and matches upstream wherever upstream succeeds', async () => {
    const stats = { documents: 0, nonZero: 0, withAnomalies: 0, upstreamErrors: 0, upstreamCompared: 0, negativeUpstream: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(metadataDocument, { minLength: DOCUMENTS_PER_RUN, maxLength: DOCUMENTS_PER_RUN }), async (documents) => {
        const rows = await evaluateInPostgres(documents);
        expect(rows).toHaveLength(documents.length);
        for (const [i, row] of rows.entries()) {
          const sql: Evaluated = { read: row.read, write: row.write, anomalies: row.anomalies };
          const raw = documents[i]!;
          const context = `document ${JSON.stringify(raw?.slice(0, 300))}, stored as ${JSON.stringify(row.stored?.slice(0, 300))}`;
          // The evaluator on what PostgreSQL stores (jsonb rewrites 1e3 as 1000, -0 as 0, keeps the last duplicate key)…
          expect(fromTs(evaluateMetadataText(row.stored)), context).toEqual(sql);
          // …and on the text as the client wrote it.
          expect(fromTs(evaluateMetadataText(raw)), context).toEqual(sql);
          // …and verify's staged form, outputs and legacy totals alike.
          expect(row.staged, context).toEqual({ ...sql, legacy: row.legacy, any_anomaly: sql.anomalies.length > 0 });

          stats.documents++;
          if (sql.read !== '0' || sql.write !== '0') stats.nonZero++;
          if (sql.anomalies.length > 0) stats.withAnomalies++;
          if (row.upstream === null) {
            stats.upstreamErrors++;
            // Upstream aborts only on values the rule sets aside or reads differently: an
            // anomaly, or a number written with a fractional part (5376.0 is valid for the rule).
            expect(sql.anomalies.length > 0 || hasDecimalNumeral(row.stored), context).toBe(true);
            continue;
          }
          const [upRead, upWrite] = row.upstream;
          if (int8AcceptsMore(row.stored)) continue;
          if (BigInt(upRead) < 0n || BigInt(upWrite) < 0n) {
            // Upstream passes negatives through: a negative write, or a negative read when all
            // three read keys are negative. The rule writes 0 for those and reports them.
            stats.negativeUpstream++;
            if (BigInt(upWrite) < 0n) expect(sql.anomalies, context).toContain('negative:cache_creation_input');
            if (BigInt(upRead) < 0n)
              expect(
                sql.anomalies.filter((a) => a.startsWith('negative:') && a !== 'negative:cache_creation_input'),
                context,
              ).toHaveLength(3);
            continue;
          }
          stats.upstreamCompared++;
          expect({ read: sql.read, write: sql.write }, context).toEqual({ read: upRead, write: upWrite });
          // Where upstream succeeds on an object, no value was not-a-number, fractional or out of range.
          expect(
            sql.anomalies.filter((a) => !a.startsWith('negative:') && a !== 'not_an_object:$'),
            context,
          ).toEqual([]);
        }
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: true },
    );
    // The generator must exercise every side, or the agreement above proves little.
    expect(stats.documents).toBe(RUNS * DOCUMENTS_PER_RUN);
    // About a third of the documents give a value: over 40 seeds of these 6 biased runs, 33.7% to
    // 36.2% (the TypeScript rule on the same generator). A floor of a third failed one CI run
    // (1,971 of 6,000); a quarter still fails a generator that lost a side.
    expect(stats.nonZero).toBeGreaterThan(stats.documents / 4);
    expect(stats.withAnomalies).toBeGreaterThan(stats.documents / 10);
    expect(stats.upstreamErrors).toBeGreaterThan(stats.documents / 10);
    expect(stats.upstreamCompared).toBeGreaterThan(stats.documents / 10);
    expect(stats.negativeUpstream).toBeGreaterThan(0);
  });
});
