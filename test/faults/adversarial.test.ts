/**
 * Fault 7: the adversarial metadata corpus (fixtures/adversarial-metadata.json: fractional,
 * string, boolean, object, negative, out-of-range and non-object values, huge and deep
 * documents, NULL) mixed into 100,000 generated rows, three copies of each case scattered
 * over the key space. The backfill never aborts a batch; every row gets the rule's value; the
 * backfill's summary counts each anomaly class; verify names every anomalous row by id with
 * the class and key of each anomaly.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAdversarialCorpus, type AdversarialCase } from '../../fixtures/adversarial.js';
import { generateDataset } from '../../fixtures/generator.js';
import { evaluateMetadataText } from '../../src/rule/index.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { applyToolkitMigrations } from '../harness/toolkit-schema.js';
import { runCli } from '../harness/fault-cli.js';

const GENERATED_ROWS = 100_000;
const COPIES = 3;

describe('the adversarial corpus inside 100k generated rows', () => {
  let db: TestDatabase;
  const corpus = loadAdversarialCorpus();
  const placed = new Map<string, AdversarialCase>();

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyToolkitMigrations(db.url);
    await generateDataset(db.pool, { rows: GENERATED_ROWS, seed: 97 });
    // The generator writes clean documents: every anomaly below comes from the corpus.
    const { rows: dirty } = await db.query(`SELECT metadata::text AS m FROM aibridge_token_usages`);
    expect(dirty.filter((r) => evaluateMetadataText(r.m).anomalies.length > 0)).toEqual([]);
    for (const c of corpus) {
      for (let copy = 0; copy < COPIES; copy++) {
        const id = randomUUID();
        placed.set(id, c);
        // The document goes in as text and is cast by PostgreSQL: numerals reach jsonb as written.
        await db.query(
          `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
           VALUES ($1, gen_random_uuid(), $3, 10, 1, $2::jsonb, now())`,
          [id, c.metadata, `adversarial-${copy}`],
        );
      }
    }
    await db.query('ANALYZE aibridge_token_usages');
  });
  afterAll(() => db?.drop());

  it('no batch aborts, every row gets the rule, every anomaly is reported with row id and class', async () => {
    const backfill = await runCli(['backfill', '--json', '--database-url', db.url]);
    expect(backfill.code, backfill.stderr).toBe(0);
    // Not one batch failed: no retry of any kind, and every row was scanned once.
    expect(backfill.events.filter((e) => e.event === 'retry')).toEqual([]);
    const finish = backfill.events.at(-1)!;
    expect(finish).toMatchObject({ event: 'finish', status: 'completed' });
    expect(finish.summary.rows_scanned).toBe(GENERATED_ROWS + corpus.length * COPIES);

    // Every corpus row holds exactly the corpus' expected values.
    const { rows } = await db.query(
      `SELECT id::text AS id, cache_read_input_tokens::text AS r, cache_write_input_tokens::text AS w FROM aibridge_token_usages WHERE id = ANY($1::uuid[])`,
      [[...placed.keys()]],
    );
    expect(rows).toHaveLength(placed.size);
    const wrong = rows.filter((row) => {
      const c = placed.get(row.id)!;
      return row.r !== c.expected.cacheRead || row.w !== c.expected.cacheWrite;
    });
    expect(wrong.map((row) => `${placed.get(row.id)!.name}: (${row.r}, ${row.w})`)).toEqual([]);

    // The backfill's summary: rows with at least one anomaly of each class.
    const rowsPerClass: Record<string, number> = {};
    const labelsPerClass: Record<string, number> = {};
    let anomalousRows = 0;
    for (const c of placed.values()) {
      if (c.expected.anomalies.length > 0) anomalousRows++;
      for (const cls of new Set(c.expected.anomalies.map((a) => a.split(':')[0]!))) rowsPerClass[cls] = (rowsPerClass[cls] ?? 0) + 1;
      for (const label of c.expected.anomalies) labelsPerClass[label.split(':')[0]!] = (labelsPerClass[label.split(':')[0]!] ?? 0) + 1;
    }
    expect(Object.keys(rowsPerClass).sort()).toEqual(['fractional', 'negative', 'not_a_number', 'not_an_object', 'out_of_range']);
    expect(finish.summary.anomalies).toEqual(rowsPerClass);

    // verify names every anomalous row, with each anomaly's class and key.
    const verify = await runCli(['verify', '--format', 'json', '--max-samples', '10000', '--database-url', db.url]);
    expect(verify.code, verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout);
    expect(report.anomalies.rows).toBe(anomalousRows);
    expect(Object.fromEntries(Object.entries(report.anomalies.by_class).filter(([, n]) => n !== 0))).toEqual(labelsPerClass);
    const samples = new Map<string, string[]>(
      report.anomalies.samples.map((s: { id: string; anomalies: { class: string; key: string | null }[] }) => [
        s.id,
        s.anomalies.map((a) => `${a.class}:${a.key ?? '$'}`),
      ]),
    );
    const expectedSamples = [...placed].filter(([, c]) => c.expected.anomalies.length > 0);
    expect(samples.size).toBe(expectedSamples.length);
    const misreported = expectedSamples
      .filter(([id, c]) => JSON.stringify(samples.get(id)) !== JSON.stringify(c.expected.anomalies))
      .map(([id, c]) => `${c.name} (${id}): reported ${JSON.stringify(samples.get(id))}, expected ${JSON.stringify(c.expected.anomalies)}`);
    expect(misreported).toEqual([]);
    expect(report.row_parity.classes).toMatchObject({ pending: 0, conflict: 0 });

    // And an operator who wants anomalies to fail the check gets exit 1.
    const strict = await runCli(['verify', '--fail-on-anomaly', '--max-samples', '0', '--database-url', db.url]);
    expect(strict.code, strict.stderr).toBe(1);
  });
});
