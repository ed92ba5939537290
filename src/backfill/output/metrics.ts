/**
 * The backfill's Prometheus metrics, fed only by its events (src/backfill/events.ts): whatever
 * runs a backfill — `backfill`, or a command that runs one as a step — tees its event sink into
 * `sink` and serves `registry` (src/metrics/server.ts). The counters describe this process's
 * batches; with one process they add up to the ledger's totals (first pass for scanned,
 * application-written and anomalies; every pass for updated), as the `progress` view shows
 * run-wide.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BackfillEvent } from '../events.js';
import type { Clock } from '../../runtime.js';

export const METRIC_PREFIX = 'aibridge_migrate_backfill_';

export interface BackfillMetrics {
  registry: Registry;
  sink: (event: BackfillEvent) => void;
}

/** The registry's series, each created once, all labelled by run and direction. */
function createSeries(registry: Registry) {
  const labelNames = ['run_id', 'direction'] as const;
  const m = (name: string) => `${METRIC_PREFIX}${name}`;
  const counter = <L extends string>(name: string, help: string, extra: readonly L[] = []) =>
    new Counter({ name: m(name), help, labelNames: [...labelNames, ...extra], registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, extra: readonly L[] = []) =>
    new Gauge({ name: m(name), help, labelNames: [...labelNames, ...extra], registers: [registry] });
  return {
    scanned: counter('rows_scanned_total', 'Rows the first pass looked at (this process).'),
    updated: counter('rows_updated_total', 'Rows written, every pass (this process).'),
    appWritten: counter('rows_application_written_total', 'Rows skipped because the application already wrote the columns.'),
    anomalies: counter('anomalies_total', 'Rows with an anomalous metadata value, by class (first pass).', ['class']),
    batches: counter('batches_total', 'Batches committed (this process).'),
    retries: counter('retries_total', 'Batches retried, by cause (action and SQLSTATE).', ['action', 'sqlstate']),
    throttleWaits: counter('throttle_waits_total', 'Times a lane waited before a batch, by cause.', ['cause']),
    progress: gauge('progress_ratio', 'Share of the current pass done, run-wide (0..1).'),
    remaining: gauge('rows_remaining', 'Rows left in the current pass, run-wide (estimate).'),
    paused: gauge('paused', '1 while the run is paused with `aibridge-migrate pause`.'),
    maxRate: gauge('max_rows_per_second', 'Rows per second this process may scan (0: unlimited), after `throttle`.'),
    batchSize: gauge('batch_size', 'Rows of the last batch asked for.'),
    waiting: gauge(
      'throttle_waiting',
      '1 while lanes wait before their next batch, by cause (replication_lag, blocked_sessions, rate_limit, pause_ms, paused).',
      ['cause'],
    ),
    lastBatch: gauge('last_batch_timestamp_seconds', 'Unix time of the last committed batch: a stalled run stops moving it.'),
    running: gauge('running', '1 from the start event until the finish event.'),
    duration: new Histogram({
      name: m('batch_duration_seconds'),
      help: 'Duration of each batch transaction.',
      labelNames,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

type Series = ReturnType<typeof createSeries>;
type Labels = { run_id: string; direction: string };
type BatchEvent = Extract<BackfillEvent, { event: 'batch' }>;

/** `maxRowsPerSecond`: the process's own --max-rows-per-second (null: none), shown until `throttle` overrides it. */
/**
 * `maxRowsPerSecond`: the process's own --max-rows-per-second (null: none), shown until
 * `throttle` overrides it; `clock` dates the last batch.
 */
export function backfillMetrics(options: { maxRowsPerSecond: number | null; clock: Pick<Clock, 'date'> }): BackfillMetrics {
  const registry = new Registry();
  const series = createSeries(registry);
  const { paused, maxRate, progress, remaining, running, waiting } = series;
  let labels: Labels | null = null;
  const ownRate = options.maxRowsPerSecond ?? 0;
  const causes = new Set<string>();
  const stopWaiting = () => {
    for (const cause of causes) waiting.set({ ...labels!, cause }, 0);
  };

  const sink = (event: BackfillEvent): void => {
    if (event.event === 'start') {
      labels = { run_id: String(event.runId), direction: event.direction };
      running.set(labels, 1);
      paused.set(labels, 0);
      maxRate.set(labels, ownRate);
      series.batchSize.set(labels, event.batchSize);
      // Every series exists from the start: a rate() over a counter that appears late loses its first step.
      for (const c of [series.scanned, series.updated, series.appWritten, series.batches]) c.inc(labels, 0);
      return;
    }
    if (!labels) return;
    switch (event.event) {
      case 'batch':
        recordBatch(series, labels, event, options.clock);
        stopWaiting();
        return;
      case 'retry':
        series.retries.inc({ ...labels, action: event.action, sqlstate: event.sqlstate ?? 'none' });
        return;
      case 'pause':
        causes.add(event.cause);
        series.throttleWaits.inc({ ...labels, cause: event.cause });
        waiting.set({ ...labels, cause: event.cause }, 1);
        return;
      case 'control':
        paused.set(labels, event.state === 'paused' ? 1 : 0);
        maxRate.set(labels, event.maxRowsPerSecond ?? ownRate);
        if (event.state !== 'paused' && causes.has('paused')) waiting.set({ ...labels, cause: 'paused' }, 0);
        return;
      case 'converge':
        if (event.converged) progress.set(labels, 1);
        return;
      case 'finish':
        running.set(labels, 0);
        stopWaiting();
        if (event.status === 'completed') {
          progress.set(labels, 1);
          remaining.set(labels, 0);
        }
        return;
      default:
        return;
    }
  };
  return { registry, sink };
}

/** A committed batch: the counters (the first pass's only once), its duration, where the pass stands. */
function recordBatch(series: Series, labels: Labels, event: BatchEvent, clock: Pick<Clock, 'date'>): void {
  if (event.pass === 0) {
    series.scanned.inc(labels, event.rowsScanned);
    series.appWritten.inc(labels, event.rowsApplicationWritten);
    for (const [cls, n] of Object.entries(event.anomalies)) series.anomalies.inc({ ...labels, class: cls }, n);
  }
  series.updated.inc(labels, event.rowsUpdated);
  series.batches.inc(labels);
  series.duration.observe(labels, event.durationMs / 1000);
  series.batchSize.set(labels, event.batchSize);
  const total = Math.max(event.estimatedRows, event.passRowsScanned);
  series.progress.set(labels, total > 0 ? Math.min(1, event.passRowsScanned / total) : 1);
  series.remaining.set(labels, Math.max(0, total - event.passRowsScanned));
  series.lastBatch.set(labels, clock.date().getTime() / 1000);
}
