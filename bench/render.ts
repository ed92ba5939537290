/**
 * Re-renders the table and the chart from a saved result, e.g. to compare two commits' runs
 * or after a change to the report's layout:
 *
 *   npx tsx bench/render.ts bench/results/latest.json [--svg out.svg]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { BatchPoint } from './batch-events.js';
import { renderBatchChart } from './report/chart.js';
import type { BenchReport } from './report/model.js';
import { renderText } from './report/text.js';

const { values, positionals } = parseArgs({ options: { svg: { type: 'string' } }, allowPositionals: true });
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: npx tsx bench/render.ts <result.json> [--svg out.svg]\n');
  process.exit(2);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchReport;
process.stdout.write(`${renderText(report)}\n`);
if (values.svg) {
  const points: BatchPoint[] = report.toolkitBatches.map(([atMs, durationMs, rowsScanned, rowsUpdated]) => ({
    atMs,
    durationMs,
    rowsScanned,
    rowsUpdated,
  }));
  fs.writeFileSync(
    values.svg,
    renderBatchChart(points, {
      title: `(b) backfill on ${report.dataset.rows.toLocaleString('en-US')} rows: throughput and batch latency`,
    }),
  );
}
