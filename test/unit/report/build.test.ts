import { describe, expect, it } from 'vitest';
import { buildReport, dashboardChangeReasons } from '../../../src/report/build.js';
import type { GroupFacts, VerificationFacts } from '../../../src/report/facts.js';
import { reportSchema } from '../../../src/report/model.js';

function group(overrides: Partial<GroupFacts> = {}): GroupFacts {
  return {
    hasInterception: true,
    provider: 'openai',
    model: 'gpt-5',
    rows: 10,
    classes: { ok: 10, application_written: 0, pending: 0, conflict: 0 },
    rowsWithAnomalies: 0,
    anomalyLabels: {},
    read: { columns: 300n, rule: 300n, applicationWritten: 0n, legacy: 300n },
    write: { columns: 0n, rule: 0n, applicationWritten: 0n, legacy: 0n },
    rowsWithInputCached: 0,
    rowsWithSeveralReadKeys: 0,
    ...overrides,
  };
}

function facts(overrides: Partial<VerificationFacts> = {}): VerificationFacts {
  return {
    generatedAt: new Date('2026-11-28T10:00:00Z'),
    snapshotAt: new Date('2026-11-28T10:00:01Z'),
    database: 'db:5432/coder',
    schema: 'public',
    table: 'aibridge_token_usages',
    serverVersionNum: 150000,
    columnsPresent: true,
    ruleFingerprint: 'abc',
    maxSamples: 5,
    topSessions: 3,
    groups: [group()],
    rowsInTable: 10,
    samples: { pending: [], conflict: [] },
    sessions: { withFailingRows: 0, differing: 0, top: [] },
    ledger: { state: 'no_runs' },
    anomalySamples: [],
    scan: { read_by: 'pages', sessions: 2, chunks: 1, longest_chunk_ms: 3, duration_ms: 5 },
    sample: null,
    ...overrides,
  };
}

const statuses = (f: VerificationFacts, failOnAnomaly = false) =>
  Object.fromEntries(buildReport(f, { failOnAnomaly }).checks.map((c) => [c.id, c.status]));

describe('buildReport: checks and outcome', () => {
  it('passes when every row is ok or application-written and the counts match', () => {
    const report = buildReport(facts());
    expect(reportSchema.parse(report)).toEqual(report);
    expect(report.outcome).toEqual({ status: 'pass', exit_code: 0, failing_checks: [], fail_on_anomaly: false });
  });

  it.each([
    ['pending rows', { groups: [group({ classes: { ok: 9, application_written: 0, pending: 1, conflict: 0 } })] }, 'row_parity'],
    ['conflicting rows', { groups: [group({ classes: { ok: 9, application_written: 0, pending: 0, conflict: 1 } })] }, 'row_parity'],
    ['a row count that differs from count(*)', { rowsInTable: 11 }, 'count_parity'],
    [
      'a provider total that differs',
      { groups: [group({ read: { columns: 290n, rule: 300n, applicationWritten: 0n, legacy: 300n } })] },
      'totals_by_provider_model',
    ],
    ['a session that differs', { sessions: { withFailingRows: 4, differing: 1, top: [] } }, 'totals_by_session'],
  ] as [string, Partial<VerificationFacts>, string][])('fails with exit 1 on %s', (_, override, failing) => {
    const report = buildReport(facts(override));
    expect(report.outcome.exit_code).toBe(1);
    expect(report.outcome.failing_checks).toContain(failing);
    expect(statuses(facts(override))[failing]).toBe('fail');
  });

  it('warns on anomalies, and fails on them only with failOnAnomaly', () => {
    const withAnomaly = facts({
      groups: [group({ rowsWithAnomalies: 2, anomalyLabels: { 'negative:prompt_cached': 2, 'fractional:input_cached': 0 } })],
    });
    expect(statuses(withAnomaly).anomalies).toBe('warn');
    expect(buildReport(withAnomaly).outcome.exit_code).toBe(0);
    expect(statuses(withAnomaly, true).anomalies).toBe('fail');
    expect(buildReport(withAnomaly, { failOnAnomaly: true }).outcome).toMatchObject({ exit_code: 1, failing_checks: ['anomalies'] });
    expect(buildReport(withAnomaly).anomalies.by_key).toEqual([{ class: 'negative', key: 'prompt_cached', rows: 2 }]);
  });

  it('before up, reports a preview with the preflight exit code', () => {
    const report = buildReport(
      facts({ columnsPresent: false, groups: [group({ classes: { ok: 2, application_written: 0, pending: 8, conflict: 0 } })] }),
    );
    expect(report.outcome).toMatchObject({ status: 'before_up', exit_code: 5 });
    expect(report.checks[0]!.summary).toMatch(/do not exist yet/);
  });

  it('warns when the ledger run cannot explain the row count, but does not fail', () => {
    const run = {
      runId: '1',
      status: 'completed',
      ruleFingerprint: 'abc',
      startedAt: new Date('2026-11-28T09:00:00Z'),
      finishedAt: null,
      tableRowsAtStart: 9,
      maxCreatedAtAtStart: new Date('2026-11-28T09:00:00Z'),
      rowsScanned: 9,
      rowsUpdated: 9,
      rowsApplicationWritten: 0,
      rowsCreatedSinceStart: 3,
    };
    const report = buildReport(facts({ ledger: { state: 'present', run } }));
    expect(report.count_parity.ledger_run).toMatchObject({ rows_now: 10, rows_created_since_start: 3, rows_unexplained: -2 });
    expect(statuses(facts({ ledger: { state: 'present', run } })).count_parity).toBe('warn');
    expect(report.outcome.exit_code).toBe(0);
  });

  it('names sums beyond 2^53 as rounded', () => {
    const huge = 2n ** 60n;
    const report = buildReport(facts({ groups: [group({ read: { columns: huge, rule: huge, applicationWritten: 0n, legacy: huge } })] }));
    expect(report.warnings.join('\n')).toMatch(/exceeds 2\^53/);
  });
});

describe('dashboardChangeReasons', () => {
  it('names input_cached when the reads move and Responses rows are present', () => {
    expect(
      dashboardChangeReasons(group({ read: { columns: 0n, rule: 300n, applicationWritten: 0n, legacy: 0n }, rowsWithInputCached: 3 })),
    ).toEqual(['3 rows carry input_cached (OpenAI Responses), which the old dashboard ignored']);
  });

  it('says nothing when the dashboard total does not move', () => {
    expect(dashboardChangeReasons(group({ rowsWithInputCached: 3, rowsWithSeveralReadKeys: 2 }))).toEqual([]);
  });

  it('names rows with several read keys and application-written tokens', () => {
    const reasons = dashboardChangeReasons(
      group({ read: { columns: 0n, rule: 100n, applicationWritten: 40n, legacy: 150n }, rowsWithSeveralReadKeys: 1 }),
    );
    expect(reasons).toEqual([
      '1 rows carry more than one cache-read key: the old dashboard added them, the rule takes the largest',
      '40 cache-read tokens were written to the columns by the application and are not in the metadata',
    ]);
  });
});
