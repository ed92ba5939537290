/**
 * The metric an alert watches for a stalled run, `last_batch_timestamp_seconds`, is the time of
 * the last committed batch on the Runtime's clock: a fake clock shows it moves with batches only.
 */
import { describe, expect, it } from 'vitest';
import type { BackfillEvent } from '../../../../src/backfill/events.js';
import { backfillMetrics, METRIC_PREFIX } from '../../../../src/backfill/output/metrics.js';
import { fakeClock } from '../../../harness/fake-clock.js';
import { parsePrometheusText } from '../../../harness/prometheus-text.js';

const start = { event: 'start', runId: 3, direction: 'forward', batchSize: 1_000 } as BackfillEvent;
const batch = {
  event: 'batch',
  runId: 3,
  pass: 0,
  rowsScanned: 1_000,
  rowsUpdated: 600,
  rowsApplicationWritten: 0,
  durationMs: 80,
  batchSize: 1_000,
  passRowsScanned: 1_000,
  estimatedRows: 10_000,
  anomalies: {},
} as unknown as BackfillEvent;

async function lastBatchSeconds(metrics: ReturnType<typeof backfillMetrics>): Promise<number | undefined> {
  const samples = parsePrometheusText(await metrics.registry.metrics());
  return samples.find((s) => s.name === `${METRIC_PREFIX}last_batch_timestamp_seconds`)?.value;
}

describe('backfill metrics on the Runtime clock', () => {
  it('last_batch_timestamp_seconds is the clock’s time of the last batch, and stands still between batches', async () => {
    const clock = fakeClock(new Date('2026-12-05T12:00:00Z'));
    const metrics = backfillMetrics({ maxRowsPerSecond: null, clock });
    metrics.sink(start);
    clock.advance(1_500);
    metrics.sink(batch);
    const first = Date.parse('2026-12-05T12:00:01.500Z') / 1000;
    expect(await lastBatchSeconds(metrics)).toBe(first);

    clock.advance(60_000);
    metrics.sink({ event: 'pause', runId: 3, reason: 'rate', cause: 'rate_limit', durationMs: 60_000 });
    expect(await lastBatchSeconds(metrics)).toBe(first);

    metrics.sink(batch);
    expect(await lastBatchSeconds(metrics)).toBe(first + 60);
  });
});
