import { describe, expect, it } from 'vitest';
import { batchRetryPolicy, classifyFailure } from '../../../../src/backfill/policy/failure.js';
import { retryDelayMs } from '../../../../src/db/retry.js';
import { etaMs, estimateTotalRows, keyFraction } from '../../../../src/backfill/policy/estimate.js';
import { eventJson } from '../../../../src/backfill/events.js';
import { formatDuration } from '../../../../src/text/format.js';
import { progressText } from '../../../../src/backfill/output/progress.js';
import { resumeCommand } from '../../../../src/backfill/resume-command.js';
import { BATCH_PLANNER_SETTINGS, batchStatement, eligibleCountStatement } from '../../../../src/backfill/sql/forward.js';
import { mergeCountsSql } from '../../../../src/ledger/checkpoint.js';
import { tables as tableNames } from '../../../../src/names.js';
import { backfillSchema } from '../../../../src/backfill/options.js';
import { ConnectionError } from '../../../../src/errors.js';

function pgError(code: string, message = 'x') {
  return Object.assign(new Error(message), { code });
}

describe('failure classification', () => {
  it.each([
    ['statement timeout', pgError('57014'), 'split'],
    ['lock not available', pgError('55P03'), 'split'],
    ['serialization failure', pgError('40001'), 'retry'],
    ['deadlock', pgError('40P01'), 'retry'],
    ['admin shutdown (failover, pg_terminate_backend)', pgError('57P01'), 'reconnect'],
    ['socket reset', pgError('ECONNRESET'), 'reconnect'],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly'), 'reconnect'],
    ['reconnect refused while the server restarts', new ConnectionError('cannot reach', { cause: pgError('ECONNREFUSED') }), 'reconnect'],
    ['wrong password on reconnect', new ConnectionError('auth', { cause: pgError('28P01') }), 'fatal'],
    ['privilege', pgError('42501'), 'fatal'],
    ['missing column', pgError('42703'), 'fatal'],
    ['a bug', new TypeError('x is undefined'), 'fatal'],
  ])('%s → %s', (_name, error, action) => {
    expect(classifyFailure(error)).toBe(action);
  });
});

describe('backoff', () => {
  it.each([
    [1, 0.999, 249],
    [1, 0, 0],
    [2, 0.5, 250],
    [4, 1, 2_000],
    [10, 1, 15_000],
    [50, 0.5, 7_500],
  ])('attempt %i with random %f waits %i ms (full jitter, capped)', (attempt, random, ms) => {
    expect(retryDelayMs(attempt, batchRetryPolicy(8), () => random)).toBe(ms);
  });
});

describe('progress estimates', () => {
  it.each([
    ['00000000-0000-4000-8000-000000000000', 0],
    ['80000000-0000-4000-8000-000000000000', 0.5],
    ['40000000-0000-4000-8000-000000000000', 0.25],
    ['not-a-uuid', 0],
  ])('key %s sits at %f of the key space', (uuid, fraction) => {
    expect(keyFraction(uuid)).toBeCloseTo(fraction, 6);
  });

  it.each([
    ['trusts the catalog at the start', { catalogRows: 1_000_000, done: 5_000, fraction: 0.005 }, 1_000_000],
    ['refines from the key position once it means something', { catalogRows: 1_000_000, done: 300_000, fraction: 0.25 }, 1_200_000],
    ['never below what is already done', { catalogRows: 10, done: 5_000, fraction: 0.001 }, 5_000],
    ['never-analyzed table (reltuples -1)', { catalogRows: -1, done: 0, fraction: 0 }, 0],
  ])('%s', (_name, input, total) => {
    expect(estimateTotalRows(input)).toBe(total);
  });

  it.each([
    [1_000, 500, 2_000],
    [0, 500, 0],
    [-5, 500, 0],
    [1_000, 0, null],
  ])('eta of %i rows at %i rows/s is %s ms', (rows, rate, ms) => {
    expect(etaMs(rows, rate)).toBe(ms);
  });
});

describe('resume command', () => {
  it.each<[Record<string, unknown>, string]>([
    [{}, 'aibridge-migrate backfill'],
    [{ batchSize: '500', json: true, restart: true, dryRun: false, wait: true }, 'aibridge-migrate backfill --batch-size 500 --json'],
    [{ databaseUrl: 'postgres://app:s3cret@db:5432/coder' }, "aibridge-migrate backfill --database-url 'postgres://app:***@db:5432/coder'"],
    [{ schema: "it's" }, `aibridge-migrate backfill --schema 'it'\\''s'`],
  ])('%j → %s', (flags, command) => {
    expect(resumeCommand(flags)).toBe(command);
  });
});

describe('SQL text', () => {
  const names = tableNames('app', 'state"x');

  it('quotes every identifier', () => {
    expect(names).toEqual({
      usages: '"app"."aibridge_token_usages"',
      interceptions: '"app"."aibridge_interceptions"',
      runs: '"state""x"."backfill_runs"',
      ranges: '"state""x"."backfill_ranges"',
      movedRows: '"state""x"."backfill_moved_rows"',
      controlLog: '"state""x"."backfill_control_log"',
    });
  });

  const started = new Date('2026-11-30T12:00:00.123Z');

  it.each([
    [{ lo: null, hi: null }, 'true', [500, started]],
    [{ lo: 'a', hi: null }, 't.id > $3::uuid', [500, started, 'a']],
    [{ lo: 'a', hi: 'b' }, 't.id > $3::uuid AND t.id <= $4::uuid', [500, started, 'a', 'b']],
  ])('a batch over %j reads its rows once, in key order from the primary key, as many as asked', (bounds, condition, values) => {
    const { text } = batchStatement(names.usages, { ...bounds, size: 500, existedBefore: started });
    expect(batchStatement(names.usages, { ...bounds, size: 500, existedBefore: started }).values).toEqual(values);
    // `t.id` qualified: ORDER BY id beside an id::text output column would sort by the text.
    expect(text).toContain(`FROM "app"."aibridge_token_usages" AS t\n   WHERE ${condition}\n   ORDER BY t.id\n   LIMIT $1`);
    expect(text.match(/FROM "app"\."aibridge_token_usages" AS t\b/g)).toHaveLength(1);
  });

  it('the batch judges only rows still at (0, 0), and writes only them, only as the version it judged', () => {
    const { text } = batchStatement(names.usages, { lo: 'a', hi: 'b', size: 500, existedBefore: started });
    expect(text).toContain('CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END');
    const update = text.slice(text.indexOf('UPDATE'), text.indexOf('RETURNING'));
    expect(update).toContain('SET "cache_read_input_tokens" = v.cache_read, "cache_write_input_tokens" = v.cache_write');
    // Joined back by address, and only while the row is the version judged: a row changed
    // since (EvalPlanQual re-checks the filter on its newest version) is left alone.
    expect(update).toContain('WHERE t.ctid = v.row_address AND t.xmin = v.row_version AND (v.cache_read <> 0 OR v.cache_write <> 0)');
    expect(text).not.toMatch(/SET metadata|INSERT|DELETE/);
    expect(BATCH_PLANNER_SETTINGS).toEqual({ enable_hashjoin: 'off', enable_mergejoin: 'off' });
  });

  it('the count that ends a pass walks the same keys in chunks and judges the same rows', () => {
    const { text, values } = eligibleCountStatement(names.usages, { by: 'key', lo: 'a', size: 2000, existedBefore: started });
    expect(values).toEqual([started, 'a', 2000]);
    expect(text).toContain('AS eligible');
    expect(text).toContain('WHERE t.id > $2::uuid\n   ORDER BY t.id\n   LIMIT $3');
    // Owned rows only, tested before the rule so a filled row never enters the rule's expressions.
    expect(text).toContain('count(*) FILTER (WHERE t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 AND (GREATEST(0, ');
    expect(text).toContain("t.metadata ? 'cache_read_input'");
    expect(text).not.toMatch(/\bUPDATE\b/);
    // From PostgreSQL 14 the chunks are stretches of heap pages, read in order (a TID range scan).
    const pages = eligibleCountStatement(names.usages, { by: 'page', from: 64, to: 128, existedBefore: started });
    expect(pages.values).toEqual([started, '(64,0)', '(128,0)']);
    expect(pages.text).toMatch(/FROM "app"\."aibridge_token_usages" AS t\s+WHERE t\.ctid >= \$2::tid AND t\.ctid < \$3::tid$/);
  });

  it('merges anomaly counts from a parameter', () => {
    expect(mergeCountsSql('anomalies', '$8')).toContain('jsonb_each_text($8::jsonb)');
  });
});

describe('events and text', () => {
  it('JSON lines are snake_case with event and time first', () => {
    const line = eventJson(
      { event: 'converge', runId: 3, pass: 1, rowsScanned: 10, rowsUpdated: 2, eligibleRemaining: 0, converged: true, nextPass: null },
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(line).toBe(
      '{"event":"converge","time":"2026-01-01T00:00:00.000Z","run_id":3,"pass":1,"rows_scanned":10,"rows_updated":2,"eligible_remaining":0,"converged":true,"next_pass":null}',
    );
  });

  it('keeps anomaly class names as they are inside the summary', () => {
    const line = JSON.parse(
      eventJson(
        {
          event: 'finish',
          runId: 1,
          status: 'completed',
          resumeCommand: null,
          summary: {
            runId: 1,
            rowsScanned: 1,
            rowsUpdated: 1,
            rowsApplicationWritten: 0,
            anomalies: { not_a_number: 2 },
            batches: 1,
            durationMs: 5,
            busyMs: 4,
            rowsPerSecond: 250,
            longestBatchMs: 4,
            convergencePasses: 1,
            unconvergedRows: null,
          },
        },
        new Date(0),
      ),
    );
    expect(line.summary).toMatchObject({ rows_application_written: 0, anomalies: { not_a_number: 2 }, longest_batch_ms: 4 });
  });

  it('a progress line shows done / estimated, rate, ETA and batch size', () => {
    expect(
      progressText({
        event: 'batch',
        runId: 1,
        pass: 0,
        rangeNo: 0,
        step: 'batch',
        batchSize: 5_000,
        rowsScanned: 5_000,
        rowsUpdated: 3_000,
        rowsApplicationWritten: 0,
        durationMs: 180,
        checkpoint: null,
        nextPage: 1_234,
        passRowsScanned: 420_000,
        totalRowsScanned: 420_000,
        totalRowsUpdated: 270_000,
        estimatedRows: 1_000_000,
        rowsPerSecond: 25_000,
        etaMs: 23_200,
        anomalies: {},
      }),
    ).toBe('42% 420,000/~1,000,000 rows · 270,000 updated · 25,000 rows/s · ETA 23s · batch 5,000');
  });

  it.each([
    [450, '450ms'],
    [2_500, '2.5s'],
    [75_000, '1m15s'],
    [3_725_000, '1h02m'],
    [null, '?'],
  ])('duration %s → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('options', () => {
  it.each([
    [{ batchSize: '-5' }, /batchSize/],
    [{ batchSize: 'many' }, /whole number/],
    [{ targetBatchMs: '0' }, /between 1 and 60000/],
    [{ lockTimeout: 'forever' }, /duration/],
    [{ batchSizeMin: '10', batchSizeMax: '5' }, /must not exceed --batch-size-max/],
    [{ bogus: 1 }, /bogus/],
  ])('%j is rejected', (raw, message) => {
    const result = backfillSchema.safeParse(raw);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(message);
  });

  it('defaults: adaptive 100 ms batches (aimed so a stretched batch stays under 250 ms) of 100..50000 rows, 5 s lock and 30 s statement timeouts', () => {
    expect(backfillSchema.parse({})).toMatchObject({
      batchSizeMin: 100,
      batchSizeMax: 50_000,
      targetBatchMs: 100,
      lockTimeout: 5_000,
      statementTimeout: 30_000,
      maxRetries: 8,
      convergePasses: 3,
    });
  });
});
