/**
 * The backfill's `--json` per-batch events, turned into a time series for the chart and the
 * longest-batch figure. Pure. Tolerant by design: it reads the fields it knows and ignores
 * other events, so a new event type in the CLI does not break the benchmark.
 */
import type { JsonLine } from './process-runner.js';

export interface BatchPoint {
  /** ms since the backfill process started, when the event arrived. */
  atMs: number;
  durationMs: number;
  rowsScanned: number | null;
  rowsUpdated: number | null;
}

type Json = Record<string, unknown>;

function numberField(event: Json, names: readonly string[]): number | null {
  for (const name of names) {
    const value = event[name];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  }
  return null;
}

function isBatchEvent(event: Json): boolean {
  const tag = event.event ?? event.type ?? event.kind;
  return typeof tag === 'string' && /(^|[._-])batch($|[._-])/.test(tag) && !/start/.test(tag);
}

export function batchPoints(lines: readonly JsonLine[]): BatchPoint[] {
  const points: BatchPoint[] = [];
  for (const line of lines) {
    if (typeof line.value !== 'object' || line.value === null || Array.isArray(line.value)) continue;
    const event = line.value as Json;
    if (!isBatchEvent(event)) continue;
    const durationMs = numberField(event, ['durationMs', 'duration_ms', 'elapsedMs', 'elapsed_ms', 'ms']);
    if (durationMs === null) continue;
    points.push({
      atMs: line.atMs,
      durationMs,
      rowsScanned: numberField(event, ['rowsScanned', 'rows_scanned', 'scanned', 'rows']),
      rowsUpdated: numberField(event, ['rowsUpdated', 'rows_updated', 'updated']),
    });
  }
  return points;
}

export interface ThroughputBucket {
  /** Start of the bucket, seconds since the backfill started. */
  fromS: number;
  rowsPerSecond: number;
}

/** Rows scanned per second in fixed buckets (a batch's rows count in the bucket it ended in). */
export function throughputBuckets(points: readonly BatchPoint[], bucketMs: number): ThroughputBucket[] {
  if (points.length === 0) return [];
  const last = points.reduce((max, p) => Math.max(max, p.atMs), 0);
  const buckets = Array.from({ length: Math.floor(last / bucketMs) + 1 }, () => 0);
  for (const point of points) buckets[Math.floor(point.atMs / bucketMs)]! += point.rowsScanned ?? 0;
  return buckets.map((rows, i) => ({ fromS: (i * bucketMs) / 1000, rowsPerSecond: rows / (bucketMs / 1000) }));
}
