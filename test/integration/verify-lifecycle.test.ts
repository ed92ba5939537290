/**
 * verify across the life of the change: before `up` (a preview), before and after a backfill,
 * with a ledger run and rows inserted since, and with malformed metadata.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { compileRuleSql, evaluateMetadataText } from '../../src/rule/index.js';
import { verify } from '../../src/verify/index.js';
import { generateDataset } from '../../fixtures/generator.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { applyToolkitMigrations } from '../harness/toolkit-schema.js';

/** What the backfill does, done directly: fill rows whose columns are both still 0. */
async function fillLikeTheBackfill(db: TestDatabase): Promise<void> {
  const rule = compileRuleSql('metadata');
  await db.query(
    `UPDATE aibridge_token_usages SET cache_read_input_tokens = ${rule.cacheRead}, cache_write_input_tokens = ${rule.cacheWrite}
      WHERE cache_read_input_tokens = 0 AND cache_write_input_tokens = 0`,
  );
}

describe('verify before up: a preview of what the backfill will change', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await generateDataset(db.pool, { rows: 2_000, seed: 11 });
  });
  afterAll(() => db.drop());

  it('shows every row with a non-zero rule value as pending, exits with the preflight code, and writes nothing', async () => {
    const { rows } = await db.query<{ metadata: string | null }>('SELECT metadata::text AS metadata FROM aibridge_token_usages');
    const eligible = rows.filter((r) => {
      const v = evaluateMetadataText(r.metadata);
      return v.cacheRead !== 0n || v.cacheWrite !== 0n;
    }).length;
    expect(eligible).toBeGreaterThan(0);
    const result = await verify({ databaseUrl: db.url });
    expect(result.status).toBe('before_up');
    expect(result.exitCode).toBe(EXIT_CODES.preflight);
    expect(result.report.snapshot.columns_present).toBe(false);
    expect(result.report.row_parity.classes).toEqual({ ok: 2_000 - eligible, application_written: 0, pending: eligible, conflict: 0 });
    expect(result.report.count_parity.ledger).toBe('absent');
    expect(result.report.warnings[0]).toMatch(/run `aibridge-migrate up`/);
    const columns = await db.query(
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name LIKE 'cache_%_input_tokens'`,
    );
    expect(columns.rows[0].n).toBe(0);
  });

  it('refuses a schema without the table, naming the fix', async () => {
    await expect(verify({ databaseUrl: db.url, schema: 'nowhere' })).rejects.toMatchObject({
      code: 'PREFLIGHT',
      hint: expect.stringMatching(/--schema/),
    });
  });

  it('rejects bad options with every problem listed', async () => {
    await expect(verify({ databaseUrl: db.url, maxSamples: 'lots', format: 'pdf', colour: true })).rejects.toMatchObject({
      code: 'USAGE',
      problems: expect.arrayContaining([expect.stringMatching(/maxSamples/), expect.stringMatching(/format/)]),
    });
  });
});

describe('verify before and after a backfill, with a ledger', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await applyToolkitMigrations(db.url);
    await generateDataset(db.pool, { rows: 3_000, seed: 5 });
  });
  afterAll(() => db.drop());

  it('fails before the backfill (pending rows) and passes after it', async () => {
    const before = await verify({ databaseUrl: db.url });
    expect(before.exitCode).toBe(EXIT_CODES.parityFailed);
    expect(before.report.row_parity.classes.pending).toBeGreaterThan(1_000);
    expect(before.report.outcome.failing_checks).toEqual(['row_parity', 'totals_by_provider_model', 'totals_by_session']);

    await fillLikeTheBackfill(db);
    const after = await verify({ databaseUrl: db.url });
    expect(after.exitCode).toBe(EXIT_CODES.ok);
    expect(after.report.row_parity.classes).toMatchObject({ pending: 0, conflict: 0, application_written: 0 });
    expect(after.report.totals.by_provider_model.every((g) => g.agrees)).toBe(true);
    expect(after.report.totals.sessions.differing).toBe(0);
    expect(after.report.checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    // Before, rows failed, so their sessions were summed; after, none fails and none can
    // differ: the report says so instead of summing again.
    expect(before.report.totals.sessions.with_failing_rows).toBeGreaterThan(100);
    expect(before.report.totals.sessions.differing).toBe(before.report.totals.sessions.with_failing_rows);
    expect(after.report.totals.sessions).toMatchObject({ with_failing_rows: 0, differing: 0, top: [] });
    expect(after.report.checks.find((c) => c.id === 'totals_by_session')!.summary).toMatch(/^No row fails parity.*no session can differ/);
  });

  it('explains rows added since a backfill run by created_at, and warns when the run used another rule', async () => {
    const { rows } = await db.query(`SELECT count(*)::int AS n, max(created_at) AS max FROM aibridge_token_usages`);
    await db.query(
      `INSERT INTO aibridge_migrate.backfill_runs (direction, status, rule_fingerprint, target_schema, target_table, table_rows_at_start, max_created_at_at_start, rows_scanned, rows_updated, finished_at)
       VALUES ('forward', 'completed', $1, 'public', 'aibridge_token_usages', $2, $3, $2, 1234, now())`,
      [(await verify({ databaseUrl: db.url })).report.tool.rule_fingerprint, rows[0].n, rows[0].max],
    );
    // The new application inserts rows after the run, with the columns set.
    await db.query(
      `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at, cache_read_input_tokens)
       SELECT gen_random_uuid(), gen_random_uuid(), 'r', 1, 1, '{}', $1::timestamptz + n * interval '1 second', 9 FROM generate_series(1, 7) n`,
      [rows[0].max],
    );
    const result = await verify({ databaseUrl: db.url });
    expect(result.report.count_parity.ledger_run).toMatchObject({
      status: 'completed',
      table_rows_at_start: 3_000,
      rows_now: 3_007,
      rows_created_since_start: 7,
      rows_unexplained: 0,
      rows_updated: 1234,
      rule_fingerprint_matches: true,
    });
    expect(result.report.checks.find((c) => c.id === 'count_parity')!.status).toBe('pass');
    expect(result.report.row_parity.classes.application_written).toBe(7);
    expect(result.exitCode).toBe(EXIT_CODES.ok);

    await db.query(`UPDATE aibridge_migrate.backfill_runs SET rule_fingerprint = 'something-else', table_rows_at_start = 3010`);
    const changed = await verify({ databaseUrl: db.url });
    const countCheck = changed.report.checks.find((c) => c.id === 'count_parity')!;
    expect(countCheck.status).toBe('warn');
    expect(countCheck.summary).toMatch(/10 rows fewer than inserts explain/);
    expect(countCheck.summary).toMatch(/different rule/);
    expect(changed.exitCode).toBe(EXIT_CODES.ok);
  });

  it('treats malformed metadata as a warning, and as a failure with --fail-on-anomaly', async () => {
    await db.query(
      `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
       VALUES ('f0000000-0000-0000-0000-000000000001', gen_random_uuid(), 'r', 1, 1, '{"input_cached": 1e30}', now())`,
    );
    const lenient = await verify({ databaseUrl: db.url });
    expect(lenient.exitCode).toBe(EXIT_CODES.ok);
    expect(lenient.report.anomalies.by_key).toEqual([{ class: 'out_of_range', key: 'input_cached', rows: 1 }]);
    const strict = await verify({ databaseUrl: db.url, failOnAnomaly: true });
    expect(strict.exitCode).toBe(EXIT_CODES.parityFailed);
    expect(strict.report.outcome.failing_checks).toEqual(['anomalies']);
    expect(strict.report.checks.find((c) => c.id === 'anomalies')!.offending_row_ids).toEqual(['f0000000-0000-0000-0000-000000000001']);
  });

  it('needs nothing but SELECT: a role that can only read verifies the table', async () => {
    const role = `verify_reader_${db.name.slice(-10)}`;
    await db.query(`CREATE ROLE "${role}" LOGIN`);
    try {
      await db.query(`GRANT USAGE ON SCHEMA public, aibridge_migrate TO "${role}"`);
      await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public, aibridge_migrate TO "${role}"`);
      const url = new URL(db.url);
      url.username = role;
      const result = await verify({ databaseUrl: url.toString() });
      expect(result.report.row_parity.rows).toBe(3_008);
    } finally {
      await db.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public, aibridge_migrate FROM "${role}"`);
      await db.query(`REVOKE ALL ON SCHEMA public, aibridge_migrate FROM "${role}"`);
      await db.query(`DROP ROLE "${role}"`);
    }
  });
});
