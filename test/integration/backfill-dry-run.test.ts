import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateMetadataText } from '../../src/rule/index.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { generateDataset } from '../../fixtures/generator.js';
import { backfill, eligibleCount, ledgerRuns, preparedDatabase, rowVersions } from '../harness/backfill.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

describe('backfill --dry-run', () => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(5_000, 51);
  });
  afterAll(() => db.drop());

  it('changes nothing: every row version is the same and the ledger stays empty', async () => {
    const before = await rowVersions(db);
    const { result } = await backfill(db, { dryRun: true });
    expect(result.status).toBe('dry-run');
    expect(await rowVersions(db)).toEqual(before);
    expect(await ledgerRuns(db)).toEqual([]);
  });

  it('lists anomalies by class with sample ids that really carry that class', async () => {
    const { result } = await backfill(db, { dryRun: true });
    if (result.status !== 'dry-run') throw new Error(result.status);
    expect(Object.keys(result.report.anomalies).sort()).toEqual([
      'fractional',
      'negative',
      'not_a_number',
      'not_an_object',
      'out_of_range',
    ]);
    for (const [cls, info] of Object.entries(result.report.anomalies)) {
      expect(info.sampleIds.length).toBe(Math.min(5, info.rows));
      const { rows } = await db.query(`SELECT metadata::text AS m FROM aibridge_token_usages WHERE id = ANY($1::uuid[])`, [info.sampleIds]);
      for (const row of rows) expect(evaluateMetadataText(row.m).anomalies.map((a) => a.anomaly)).toContain(cls);
    }
  });

  it('reports the rows that would change, per provider and model, matching the real run', async () => {
    const needed = await eligibleCount(db);
    const { result } = await backfill(db, { dryRun: true });
    if (result.status !== 'dry-run') throw new Error(result.status);
    const report = result.report;
    expect(report.rows).toBe(5_000);
    expect(report.wouldUpdate).toBe(needed);
    expect(report.applicationWritten).toBe(db.appWritten.size);
    expect(report.byProvider).toBe(true);
    expect(new Set(report.groups.map((g) => g.provider))).toEqual(new Set(['anthropic', 'openai', 'copilot']));
    expect(report.groups.reduce((s, g) => s + g.wouldUpdate, 0)).toBe(needed);
    expect(report.readRowsPerSecond).toBeGreaterThan(0);
    expect(report.estimatedRunMs).toBeGreaterThan(0);

    const run = await backfill(db, {});
    expect(run.result.status === 'completed' && run.result.summary.rowsUpdated).toBe(report.wouldUpdate);
  });
});

describe('backfill --dry-run before `up`', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await generateDataset(db.pool, { rows: 1_000, seed: 3 });
  });
  afterAll(() => db.drop());

  it('works without the columns or the ledger, counting every row as not yet filled', async () => {
    const { result } = await backfill(db, { dryRun: true });
    if (result.status !== 'dry-run') throw new Error(result.status === 'failed' ? result.error.message : result.status);
    expect(result.report.columnsPresent).toBe(false);
    expect(result.report.applicationWritten).toBe(0);
    expect(result.report.wouldUpdate).toBeGreaterThan(400);
  });
});
