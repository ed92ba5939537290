/**
 * /metrics of a running backfill, scraped over HTTP: it parses as the Prometheus text format,
 * carries the run id and direction as labels, and at the end its counters equal the ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliProcess } from '../harness/cli-process.js';
import { freePort } from '../harness/embedded-server.js';
import { parsePrometheusText, sampleValue } from '../harness/prometheus-text.js';
import { ledgerRuns, preparedDatabase } from '../harness/backfill.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

const P = 'aibridge_migrate_backfill_';

describe('backfill --metrics-port', () => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(12_000, 53);
  });
  afterAll(() => db.drop());

  it('serves Prometheus text during the run whose counters equal the ledger at the end', async () => {
    const port = await freePort();
    const run = startCliProcess(
      [
        'backfill',
        '--batch-size',
        '300',
        '--max-rows-per-second',
        '4000',
        '--metrics-port',
        String(port),
        '--metrics-linger',
        '60s',
        '--json',
      ],
      { env: { DATABASE_URL: db.url } },
    );
    await run.batches(4);
    const scrape = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return parsePrometheusText(await response.text());
    };
    const during = await scrape();
    const runId = String(run.events.find((e) => e.event === 'start')!.run_id);
    const labels = { run_id: runId, direction: 'forward' };
    expect(sampleValue(during, `${P}running`, labels)).toBe(1);
    expect(sampleValue(during, `${P}rows_scanned_total`, labels)).toBeGreaterThan(0);
    expect(sampleValue(during, `${P}progress_ratio`, labels)).toBeGreaterThan(0);
    expect(sampleValue(during, `${P}progress_ratio`, labels)).toBeLessThan(1);
    expect(sampleValue(during, `${P}paused`, labels)).toBe(0);
    expect(sampleValue(during, `${P}max_rows_per_second`, labels)).toBe(4000);
    expect(sampleValue(during, `${P}batch_duration_seconds_count`, labels)).toBeGreaterThan(0);

    await run.waitForEvent((e) => e.event === 'finish');
    await run.waitForStderr('metrics: serving the final values');
    const end = await scrape();
    const [ledger] = await ledgerRuns(db);
    expect(ledger.status).toBe('completed');
    expect(sampleValue(end, `${P}rows_scanned_total`, labels)).toBe(Number(ledger.rows_scanned));
    expect(sampleValue(end, `${P}rows_updated_total`, labels)).toBe(Number(ledger.rows_updated));
    expect(sampleValue(end, `${P}rows_application_written_total`, labels)).toBe(Number(ledger.rows_application_written));
    expect(sampleValue(end, `${P}batches_total`, labels)).toBe(Number(ledger.batches));
    expect(sampleValue(end, `${P}batch_duration_seconds_count`, labels)).toBe(Number(ledger.batches));
    const anomalies = Object.fromEntries(end.filter((s) => s.name === `${P}anomalies_total`).map((s) => [s.labels.class, s.value]));
    expect(anomalies).toEqual(Object.fromEntries(Object.entries(ledger.anomalies).map(([k, v]) => [k, Number(v)])));
    expect(Object.keys(anomalies).length).toBeGreaterThan(0);
    expect([sampleValue(end, `${P}progress_ratio`, labels), sampleValue(end, `${P}rows_remaining`, labels)]).toEqual([1, 0]);
    expect(sampleValue(end, `${P}running`, labels)).toBe(0);

    // A signal ends the linger at once, with the run's own exit code.
    run.process.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);
  });
});
