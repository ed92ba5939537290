/**
 * `verify --sample`: a quick look that reads part of the pages, says so everywhere, estimates
 * the whole table with its error, and never passes — a failing row it finds fails it (exit 1),
 * finding none is exit 12, and it refuses to pose as a JUnit test result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { compileRuleSql } from '../../src/rule/index.js';
import { reportSchema, verify } from '../../src/verify/index.js';
import { runCliProcess } from '../harness/cli-process.js';
import { preparedDatabase } from '../harness/backfill.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;
const fixedSeed = () => 0.123;

describe('verify --sample', () => {
  let db: Db;
  let full: Awaited<ReturnType<typeof verify>>;
  beforeAll(async () => {
    db = await preparedDatabase(20_000, 33);
    full = await verify({ databaseUrl: db.url });
  });
  afterAll(() => db.drop());

  it('fails on the pending rows it finds, reads only part of the table, and estimates the rest', async () => {
    const { report, exitCode, status } = await verify({ databaseUrl: db.url, sample: '10%' }, { deps: { random: fixedSeed } });
    expect(() => reportSchema.parse(JSON.parse(JSON.stringify(report)))).not.toThrow();
    expect(status).toBe('fail');
    expect(exitCode).toBe(EXIT_CODES.parityFailed);
    expect(report.scan.read_by).toBe('sample');
    const sample = report.sample!;
    expect(sample).toMatchObject({ percent: 10, replicates: 10, seed: 123_000 });
    // Part of the table, and every figure of the report over that part only.
    expect(sample.rows_sampled).toBeGreaterThan(0);
    expect(sample.rows_sampled).toBeLessThan(full.report.row_parity.rows / 2);
    expect(report.row_parity.rows).toBe(sample.rows_sampled);
    expect(report.count_parity.rows_in_table).toBeNull();
    // Estimates of the whole table: of its order, with an interval around them.
    const truth = full.report.row_parity;
    expect(sample.estimates.rows.estimate).toBeGreaterThan(truth.rows / 3);
    expect(sample.estimates.rows.estimate).toBeLessThan(truth.rows * 3);
    expect(sample.estimates.classes.pending.low).toBeLessThanOrEqual(sample.estimates.classes.pending.estimate);
    expect(sample.estimates.classes.pending.high).toBeGreaterThanOrEqual(sample.estimates.classes.pending.estimate);
    expect(report.row_parity.samples.pending.length).toBeGreaterThan(0);
    expect(report.checks.find((c) => c.id === 'count_parity')!.status).toBe('skipped');
    expect(report.checks.find((c) => c.id === 'totals_by_session')!.status).toBe('skipped');
    expect(report.warnings[0]).toMatch(/^A sample of ~10% of the table's pages/);
  });

  it('reads the same pages again with the same seed, on an unchanged table', async () => {
    const a = await verify({ databaseUrl: db.url, sample: '10%' }, { deps: { random: fixedSeed } });
    const b = await verify({ databaseUrl: db.url, sample: '10%', workers: 1 }, { deps: { random: fixedSeed } });
    expect(b.report.sample).toEqual(a.report.sample);
  });

  it('finding no failing row is not a pass, even on a table that passes: status sample, exit 12, the checks it cannot make skipped', async () => {
    // Every row filled from its metadata, the application's rows too: the table passes.
    const rule = compileRuleSql('metadata');
    await db.query(
      `UPDATE aibridge_token_usages SET cache_read_input_tokens = ${rule.cacheRead}, cache_write_input_tokens = ${rule.cacheWrite}`,
    );
    expect((await verify({ databaseUrl: db.url })).exitCode).toBe(EXIT_CODES.ok);
    const { report, exitCode, status } = await verify({ databaseUrl: db.url, sample: '10%' }, { deps: { random: fixedSeed } });
    expect(status).toBe('sample');
    expect(exitCode).toBe(EXIT_CODES.sampleOnly);
    expect(exitCode).not.toBe(0);
    expect(report.outcome.failing_checks).toEqual([]);
    expect(Object.fromEntries(report.checks.filter((c) => c.id !== 'anomalies').map((c) => [c.id, c.status]))).toEqual({
      row_parity: 'skipped',
      count_parity: 'skipped',
      totals_by_provider_model: 'skipped',
      totals_by_session: 'skipped',
    });
    expect(report.sample!.estimates.classes.pending).toEqual({ estimate: 0, standard_error: 0, low: 0, high: 0 });
  });

  it('the CLI: exit 12 and a headline that says it is not a verification; refused with --format junit and from the environment', async () => {
    const text = await runCliProcess(['verify', '--database-url', db.url, '--sample', '5%']);
    expect(text.code).toBe(12);
    expect(text.stdout).toMatch(
      /^aibridge-migrate verify: sample of ~5% of the pages: no failing row among [\d,]+ rows — not a verification \(exit 12\)/,
    );
    const junit = await runCliProcess(['verify', '--database-url', db.url, '--sample', '5%', '--format', 'junit']);
    expect(junit.code).toBe(EXIT_CODES.usage);
    expect(junit.stderr).toMatch(/cannot be combined with --format junit/);
    const fromEnv = await runCliProcess(['verify', '--database-url', db.url], { env: { AIBRIDGE_MIGRATE_SAMPLE: '5%' } });
    expect(fromEnv.code).toBe(EXIT_CODES.usage);
    const bad = await runCliProcess(['verify', '--database-url', db.url, '--sample', '5']);
    expect(bad.code).toBe(EXIT_CODES.usage);
    expect(bad.stderr).toMatch(/must be a percentage like 1% or 0.5%/);
  });
});
