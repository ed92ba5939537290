/**
 * verify on real PostgreSQL, with rows arranged by hand so every class, every check and every
 * exit code is known in advance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { ruleFingerprint } from '../../src/rule/index.js';
import { reportSchema, verify, type Report } from '../../src/verify/index.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { applyToolkitMigrations } from '../harness/toolkit-schema.js';

const I_ANTHROPIC = '10000000-0000-0000-0000-000000000001';
const I_RESPONSES = '10000000-0000-0000-0000-000000000002';
const I_CHAT = '10000000-0000-0000-0000-000000000003';
const THREAD_ROOT = '10000000-0000-0000-0000-0000000000ff';
const NO_INTERCEPTION = '10000000-0000-0000-0000-00000000dead';

/** id, interception, metadata (JSON text or null), read column, write column, expected class. */
const ROWS: [string, string, string | null, number, number, string][] = [
  ['a0000000-0000-0000-0000-000000000001', I_ANTHROPIC, '{"cache_read_input": 100, "cache_creation_input": 20}', 100, 20, 'ok'],
  ['a0000000-0000-0000-0000-000000000002', I_ANTHROPIC, '{}', 0, 0, 'ok'],
  ['a0000000-0000-0000-0000-000000000003', I_ANTHROPIC, null, 0, 0, 'ok'],
  // The new application writes the columns and no metadata keys.
  ['b0000000-0000-0000-0000-000000000001', I_ANTHROPIC, '{}', 50, 5, 'application_written'],
  // One column set by the application, the other equal to the rule.
  ['b0000000-0000-0000-0000-000000000002', I_CHAT, '{"cache_creation_input": 7}', 30, 7, 'application_written'],
  ['c0000000-0000-0000-0000-000000000001', I_RESPONSES, '{"input_cached": 300, "output_reasoning": 3}', 0, 0, 'pending'],
  ['c0000000-0000-0000-0000-000000000002', NO_INTERCEPTION, '{"prompt_cached": 40}', 0, 0, 'pending'],
  ['d0000000-0000-0000-0000-000000000001', I_CHAT, '{"prompt_cached": 80}', 90, 0, 'conflict'],
  // Read set, write left 0 while the metadata says 5: the backfill will never fill it.
  ['d0000000-0000-0000-0000-000000000002', I_ANTHROPIC, '{"cache_read_input": 10, "cache_creation_input": 5}', 10, 0, 'conflict'],
  ['e0000000-0000-0000-0000-000000000001', I_CHAT, '{"prompt_cached": "abc"}', 0, 0, 'ok'],
  ['e0000000-0000-0000-0000-000000000002', I_CHAT, '[1, 2]', 0, 0, 'ok'],
  ['e0000000-0000-0000-0000-000000000003', I_ANTHROPIC, '{"cache_read_input": 12.5, "cache_creation_input": -3}', 0, 0, 'ok'],
];

const idsOf = (cls: string) => ROWS.filter((r) => r[5] === cls).map((r) => r[0]);

async function arrange(db: TestDatabase, options: { columns: boolean }): Promise<void> {
  await db.query(
    `INSERT INTO aibridge_interceptions (id, initiator_id, provider, model, started_at, client_session_id, thread_root_id) VALUES
       ($1, gen_random_uuid(), 'anthropic', 'claude-sonnet-4-5', now(), 'sess-A', NULL),
       ($2, gen_random_uuid(), 'openai', 'gpt-5', now(), NULL, $4),
       ($3, gen_random_uuid(), 'openai', 'gpt-4.1', now(), NULL, NULL)`,
    [I_ANTHROPIC, I_RESPONSES, I_CHAT, THREAD_ROOT],
  );
  for (const [n, [id, interception, metadata, read, write]] of ROWS.entries()) {
    const created = `2026-01-01T00:00:${String(n).padStart(2, '0')}Z`;
    if (options.columns) {
      await db.query(
        `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at, cache_read_input_tokens, cache_write_input_tokens)
         VALUES ($1, $2, 'r', 1, 1, $3::jsonb, $4, $5, $6)`,
        [id, interception, metadata, created, read, write],
      );
    } else {
      await db.query(
        `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
         VALUES ($1, $2, 'r', 1, 1, $3::jsonb, $4)`,
        [id, interception, metadata, created],
      );
    }
  }
}

const check = (report: Report, id: string) => report.checks.find((c) => c.id === id)!;
const group = (report: Report, model: string | null) => report.totals.by_provider_model.find((g) => g.model === model)!;

describe('verify after up, with every class arranged by hand', () => {
  let db: TestDatabase;
  let report: Report;
  beforeAll(async () => {
    db = await createTestDatabase();
    await applyToolkitMigrations(db.url);
    await arrange(db, { columns: true });
    const result = await verify({ databaseUrl: db.url, maxSamples: 10, topSessions: 10 });
    report = result.report;
    expect(result.exitCode).toBe(EXIT_CODES.parityFailed);
  });
  afterAll(() => db.drop());

  it('produces a report that matches the documented JSON schema, through a JSON round trip', () => {
    expect(() => reportSchema.parse(JSON.parse(JSON.stringify(report)))).not.toThrow();
    expect(report.schema_version).toBe(4);
    expect(report.snapshot.columns_present).toBe(true);
    expect(report.tool.rule_fingerprint).toBe(ruleFingerprint());
  });

  it('puts every row in exactly one class, with the counts arranged', () => {
    expect(report.row_parity.classes).toEqual({ ok: 6, application_written: 2, pending: 2, conflict: 2 });
    expect(report.row_parity.rows).toBe(ROWS.length);
  });

  it('names the pending and conflicting rows with both the column and the metadata values', () => {
    expect(report.row_parity.samples.pending.map((s) => s.id)).toEqual(idsOf('pending'));
    expect(report.row_parity.samples.conflict).toEqual([
      {
        id: idsOf('conflict')[0],
        interception_id: I_CHAT,
        column_cache_read: 90,
        column_cache_write: 0,
        rule_cache_read: 80,
        rule_cache_write: 0,
      },
      {
        id: idsOf('conflict')[1],
        interception_id: I_ANTHROPIC,
        column_cache_read: 10,
        column_cache_write: 0,
        rule_cache_read: 10,
        rule_cache_write: 5,
      },
    ]);
    const rowCheck = check(report, 'row_parity');
    expect(rowCheck.status).toBe('fail');
    expect(new Set(rowCheck.offending_row_ids)).toEqual(new Set([...idsOf('pending'), ...idsOf('conflict')]));
    expect(report.outcome).toMatchObject({ status: 'fail', exit_code: 1 });
  });

  it('caps samples at --max-samples', async () => {
    const { report: capped } = await verify({ databaseUrl: db.url, maxSamples: 1 });
    expect(capped.row_parity.samples.pending).toHaveLength(1);
    expect(idsOf('pending')).toContain(capped.row_parity.samples.pending[0]!.id);
    expect(capped.anomalies.samples).toHaveLength(1);
  });

  it('checks count parity against count(*) and reports no ledger run', () => {
    expect(report.count_parity).toMatchObject({
      rows_in_table: ROWS.length,
      rows_classified: ROWS.length,
      ledger: 'no_runs',
      ledger_run: null,
    });
    expect(check(report, 'count_parity').status).toBe('pass');
  });

  it('sums per provider and model, shows application-written tokens apart, and flags the groups that differ', () => {
    const anthropic = group(report, 'claude-sonnet-4-5');
    expect(anthropic.rows).toBe(6);
    // columns 100 + 50 + 10; metadata 100 + 10; application-written 50.
    expect(anthropic.cache_read).toMatchObject({ columns: 160, rule: 110, application_written: 50, difference: 0 });
    // columns 20 + 5 + 0; metadata 20 + 5; application-written 5; the conflict row misses 5.
    expect(anthropic.cache_write).toMatchObject({ columns: 25, rule: 25, application_written: 5, difference: -5 });
    expect(anthropic.agrees).toBe(false);
    const orphan = report.totals.by_provider_model.find((g) => g.provider === null)!;
    expect(orphan).toMatchObject({ rows: 1, model: null, agrees: false });
    expect(orphan.cache_read).toMatchObject({ columns: 0, rule: 40, difference: -40 });
    expect(report.totals.all.cache_read).toMatchObject({ columns: 280, rule: 530, application_written: 80 });
    expect(check(report, 'totals_by_provider_model').status).toBe('fail');
  });

  it('shows which dashboard totals move at the switch and why (input_cached was ignored)', () => {
    const responses = group(report, 'gpt-5');
    expect(responses.cache_read).toMatchObject({ legacy_dashboard: 0, rule: 300, dashboard_after: 300, dashboard_change: 300 });
    expect(responses.dashboard_change_reasons.join(' ')).toMatch(/1 rows carry input_cached/);
    const chat = group(report, 'gpt-4.1');
    // prompt_cached counted by both; the application-written 30 is new on the dashboard.
    expect(chat.cache_read).toMatchObject({ legacy_dashboard: 80, dashboard_after: 110, dashboard_change: 30 });
    expect(chat.dashboard_change_reasons.join(' ')).toMatch(/30 cache-read tokens were written to the columns by the application/);
  });

  it('totals per session, largest difference first, with rows without an interception as their own session', async () => {
    const { sessions } = report.totals;
    expect(sessions.with_failing_rows).toBe(4);
    expect(sessions.differing).toBe(4);
    expect(sessions.top.map((s) => [s.session, s.cache_read.difference, s.cache_write.difference])).toEqual([
      [THREAD_ROOT, -300, 0],
      [null, -40, 0],
      [I_CHAT, 10, 0],
      ['sess-A', 0, -5],
    ]);
    const { report: top1 } = await verify({ databaseUrl: db.url, topSessions: 1 });
    expect(top1.totals.sessions.top.map((s) => s.session)).toEqual([THREAD_ROOT]);
    expect(top1.totals.sessions.differing).toBe(4);
    expect(check(report, 'totals_by_session').status).toBe('fail');
  });

  it('counts anomalies per class and key, with the raw values, as a warning unless --fail-on-anomaly', async () => {
    expect(report.anomalies.rows).toBe(3);
    expect(report.anomalies.by_class).toMatchObject({ not_a_number: 1, not_an_object: 1, fractional: 1, negative: 1, out_of_range: 0 });
    expect(report.anomalies.by_key).toEqual(
      expect.arrayContaining([
        { class: 'not_a_number', key: 'prompt_cached', rows: 1 },
        { class: 'not_an_object', key: null, rows: 1 },
        { class: 'fractional', key: 'cache_read_input', rows: 1 },
        { class: 'negative', key: 'cache_creation_input', rows: 1 },
      ]),
    );
    const sample = report.anomalies.samples.find((s) => s.id === 'e0000000-0000-0000-0000-000000000003')!;
    expect(sample.anomalies).toEqual([
      { class: 'fractional', key: 'cache_read_input', raw_value: '12.5' },
      { class: 'negative', key: 'cache_creation_input', raw_value: '-3' },
    ]);
    expect(report.anomalies.samples.find((s) => s.id === 'e0000000-0000-0000-0000-000000000002')!.anomalies).toEqual([
      { class: 'not_an_object', key: null, raw_value: '[1, 2]' },
    ]);
    expect(check(report, 'anomalies').status).toBe('warn');
  });
});
