import { describe, expect, it } from 'vitest';
import { batchPoints, throughputBuckets } from '../../../bench/batch-events.js';
import { renderBatchChart } from '../../../bench/report/chart.js';

describe('batch events', () => {
  const lines = [
    { atMs: 100, value: { event: 'start' } },
    { atMs: 300, value: { event: 'batch', durationMs: 40, rowsScanned: 5000, rowsUpdated: 3000 } },
    { atMs: 900, value: { type: 'batch', duration_ms: 60, rows_scanned: '5000' } },
    { atMs: 950, value: { event: 'batch_started' } },
    { atMs: 1200, value: 'not an object' },
  ];

  it('reads batch events in either naming style and ignores the rest', () => {
    expect(batchPoints(lines)).toEqual([
      { atMs: 300, durationMs: 40, rowsScanned: 5000, rowsUpdated: 3000 },
      { atMs: 900, durationMs: 60, rowsScanned: 5000, rowsUpdated: null },
    ]);
  });

  it('buckets throughput by when batches ended', () => {
    expect(throughputBuckets(batchPoints(lines), 500)).toEqual([
      { fromS: 0, rowsPerSecond: 10_000 },
      { fromS: 0.5, rowsPerSecond: 10_000 },
    ]);
  });

  it('draws one dot per batch', () => {
    const svg = renderBatchChart(batchPoints(lines), { title: 'a <b> & c' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).toContain('a &lt;b&gt; &amp; c');
  });
});
