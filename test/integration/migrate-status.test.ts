import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateUp, migrationStatus } from '../../src/migrate/index.js';
import { statusJson } from '../../src/migrate/render.js';
import type { TestDatabase } from '../harness/database.js';
import { freshDatabase, testDeps } from '../harness/migrate.js';
import { SHIPPED_MIGRATIONS } from '../harness/toolkit-schema.js';

describe('status', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  it('before up: everything pending, no bookkeeping table, no ledger — and creates nothing', async () => {
    const status = await migrationStatus({ databaseUrl: db.url });
    expect(status.migrationsTableExists).toBe(false);
    expect(status.applied).toEqual([]);
    expect(status.pending.map((m) => m.name)).toEqual(SHIPPED_MIGRATIONS);
    expect(status.backfill).toBeNull();
    expect((await db.query(`SELECT to_regclass('public.aibridge_migrate_migrations') IS NULL AS absent`)).rows[0].absent).toBe(true);
  });

  it('after up: applied with their times, and the latest backfill run per direction as JSON', async () => {
    const before = new Date(Date.now() - 60_000);
    await migrateUp({ databaseUrl: db.url }, testDeps().deps);
    const insertRun = (direction: string, status: string, scanned: number) =>
      db.query(
        `INSERT INTO aibridge_migrate.backfill_runs (direction, status, rule_fingerprint, target_schema, target_table, rows_scanned, rows_updated, finished_at)
         VALUES ($1, $2, 'fp', 'public', 'aibridge_token_usages', $3::bigint, $3::bigint / 2, CASE WHEN $2::text = 'completed' THEN now() END)`,
        [direction, status, scanned],
      );
    await insertRun('forward', 'completed', 100);
    await insertRun('forward', 'interrupted', 40);
    const status = await migrationStatus({ databaseUrl: db.url });
    expect(status.pending).toEqual([]);
    for (const m of status.applied) {
      expect(m.runOn.getTime()).toBeGreaterThan(before.getTime());
      expect(m.runOn.getTime()).toBeLessThan(Date.now() + 60_000);
    }
    const json = statusJson(status);
    expect(json.applied.map((m) => m.description)).toEqual([
      'add cache_read_input_tokens and cache_write_input_tokens to aibridge_token_usages',
      'create the backfill ledger (runs and key-range checkpoints)',
      'record the backfill walk (key or page order) and page ranges in the ledger',
      'record in the backfill ledger what a running backfill is waiting for (status shows it)',
      'backfill control (pause, resume, cancel, throttle), its log, and the progress view',
      "record a backfill run's fixed --batch-size in a ledger column (until now in its options)",
    ]);
    expect(json.backfill?.latest_runs).toEqual([
      expect.objectContaining({
        direction: 'forward',
        status: 'interrupted',
        rows_scanned: 40,
        rows_updated: 20,
        finished_at: null,
        // Not being worked: no process waits for anything.
        waiting: null,
      }),
    ]);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
