/**
 * A run recorded by the previous version kept its fixed --batch-size inside the ledger's
 * `options` JSON. After `up` (migration 20261205000003000) the state is a column of its own,
 * moved across from the JSON, and the run resumes where it stopped; `down` puts it back where
 * the previous version reads it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDown, migrateUp } from '../../src/migrate/index.js';
import { runCliProcess } from '../harness/cli-process.js';
import { backfill, eligibleCount, ledgerRuns, preparedDatabase, wrongRows, stoppedAfter } from '../harness/backfill.js';

const MIGRATION = '20261205000003000_run-batch-size';
const ROWS = 5_000;

describe('a run recorded by the previous version (its state in the options JSON)', () => {
  let db: Awaited<ReturnType<typeof preparedDatabase>>;
  let needed: number;
  beforeAll(async () => {
    db = await preparedDatabase(ROWS, 23);
    needed = await eligibleCount(db);
  });
  afterAll(() => db.drop());

  it('resumes after `up` moves its fixed --batch-size from the options into a column, without repeating a batch', async () => {
    const first = await stoppedAfter(db, { batchSize: 300 }, 3);
    expect(first.result.status).toBe('interrupted');
    const [recorded] = await ledgerRuns(db);
    expect(recorded.fixed_batch_size).toBe(300);
    expect(recorded.options).not.toHaveProperty('batchSize');

    // The ledger as the previous version left it: no column, the batch size among the options
    // (null for a run sized by its aim: a finished reverse run stands for one here).
    expect((await migrateDown({ databaseUrl: db.url })).reverted?.name).toBe(MIGRATION);
    const [previous] = await ledgerRuns(db);
    expect(previous).not.toHaveProperty('fixed_batch_size');
    expect(previous.options).toEqual({ ...recorded.options, batchSize: 300 });
    const { rows: adaptive } = await db.query(
      `INSERT INTO aibridge_migrate.backfill_runs (direction, status, rule_fingerprint, target_schema, target_table, options)
       VALUES ('reverse', 'completed', 'x', 'public', 'aibridge_token_usages', $1::jsonb) RETURNING id`,
      [JSON.stringify({ ...recorded.options, batchSize: null })],
    );

    // This version reads no ledger an older one left until `up` brings it up to date.
    const refused = await backfill(db, { batchSize: 300 });
    expect(refused.result).toMatchObject({ status: 'failed', error: { code: 'PREFLIGHT' } });
    expect((refused.result as { error: Error }).error.message).toMatch(/created by an older version/);

    const up = await migrateUp({ databaseUrl: db.url });
    expect(up).toMatchObject({ applied: [{ name: MIGRATION }] });
    const runs = new Map((await ledgerRuns(db)).map((r) => [Number(r.id), r]));
    const moved = runs.get(Number(recorded.id))!;
    expect(moved.fixed_batch_size).toBe(300);
    expect(moved.options).toEqual(recorded.options);
    expect(runs.get(Number(adaptive[0].id))).toMatchObject({ fixed_batch_size: null, options: recorded.options });

    // `throttle` reads the column: an aim means nothing to fixed batches, and it says so.
    const throttled = await runCliProcess(['throttle', '--target-batch-ms', '50'], { env: { DATABASE_URL: db.url } });
    expect(throttled.code, throttled.stderr).toBe(0);
    expect(throttled.stdout).toContain('fixed --batch-size 300');

    const second = await backfill(db, { batchSize: 300 });
    expect(second.result.status).toBe('completed');
    if (second.result.status !== 'completed' || first.result.status !== 'interrupted') return;
    expect(second.result.resumed).toBe(true);
    expect(second.result.runId).toBe(first.result.runId);
    expect(await wrongRows(db)).toEqual([]);
    // No batch repeated: each row scanned once in the first pass, each needed row written once.
    expect(second.result.summary.rowsScanned).toBe(ROWS);
    expect(second.result.summary.rowsUpdated).toBe(needed);
  });

  it('a run claimed by a process without --batch-size records that its batches follow the aim', async () => {
    await db.query(`UPDATE aibridge_migrate.backfill_runs SET status = 'interrupted' WHERE direction = 'forward'`);
    const resumed = await backfill(db, {});
    expect(resumed.result).toMatchObject({ status: 'completed', resumed: true });
    const [run] = (await ledgerRuns(db)).filter((r) => r.direction === 'forward');
    expect(run.fixed_batch_size).toBeNull();
  });
});
