/**
 * A hand-written SVG of the backfill's progress during (b): throughput (rows scanned per
 * second, bucketed) above, each batch's latency below with the 250 ms target as a line.
 * Pure: points in, SVG text out.
 */
import { throughputBuckets, type BatchPoint } from '../batch-events.js';

const WIDTH = 900;
const PANEL_HEIGHT = 200;
const MARGIN = { left: 80, right: 20, top: 40, gap: 60, bottom: 45 };
const HEIGHT = MARGIN.top + PANEL_HEIGHT * 2 + MARGIN.gap + MARGIN.bottom;
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Round step sizes (1, 2, 5 × 10^k) giving about `count` ticks from 0 to max. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

function compact(value: number): string {
  if (value >= 1_000_000) return `${Number((value / 1_000_000).toPrecision(3))}M`;
  if (value >= 1000) return `${Number((value / 1000).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

interface Panel {
  top: number;
  yMax: number;
  yLabel: string;
  xMax: number;
}

function axes(panel: Panel, yTicks: number[], xTicks: number[], yFormat: (v: number) => string): string {
  const parts: string[] = [];
  const y = (v: number) => panel.top + PANEL_HEIGHT - (v / panel.yMax) * PANEL_HEIGHT;
  const x = (v: number) => MARGIN.left + (v / panel.xMax) * PLOT_WIDTH;
  for (const t of yTicks) {
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${escapeXml(yFormat(t))}</text>`);
  }
  for (const t of xTicks) {
    parts.push(
      `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${panel.top + PANEL_HEIGHT}" y2="${panel.top + PANEL_HEIGHT + 5}" stroke="#6b7280"/>`,
    );
    parts.push(`<text x="${x(t).toFixed(1)}" y="${panel.top + PANEL_HEIGHT + 18}" text-anchor="middle">${escapeXml(compact(t))}</text>`);
  }
  parts.push(`<rect x="${MARGIN.left}" y="${panel.top}" width="${PLOT_WIDTH}" height="${PANEL_HEIGHT}" fill="none" stroke="#6b7280"/>`);
  parts.push(
    `<text transform="translate(18 ${panel.top + PANEL_HEIGHT / 2}) rotate(-90)" text-anchor="middle">${escapeXml(panel.yLabel)}</text>`,
  );
  return parts.join('\n');
}

export function renderBatchChart(points: readonly BatchPoint[], options: { title: string; targetBatchMs?: number }): string {
  const target = options.targetBatchMs ?? 250;
  const lastS = points.reduce((max, p) => Math.max(max, p.atMs), 0) / 1000;
  const xTicks = niceTicks(Math.max(lastS, 1), 8);
  const xMax = xTicks[xTicks.length - 1]!;
  const x = (seconds: number) => MARGIN.left + (seconds / xMax) * PLOT_WIDTH;
  // About a hundred buckets whatever the run's length, none shorter than a second: batches
  // last ~200 ms, and shorter buckets alias (one holds two batches, the next none).
  const bucketMs = Math.max(1000, Math.ceil((lastS * 1000) / 100 / 1000) * 1000);
  const buckets = throughputBuckets(points, bucketMs);

  const top: Panel = { top: MARGIN.top, yMax: 1, yLabel: 'rows scanned / s', xMax };
  const yTicksTop = niceTicks(buckets.reduce((max, b) => Math.max(max, b.rowsPerSecond), 0) || 1);
  top.yMax = yTicksTop[yTicksTop.length - 1]!;
  const yTop = (v: number) => top.top + PANEL_HEIGHT - (v / top.yMax) * PANEL_HEIGHT;
  const path = buckets
    .flatMap((b, i) => {
      const x0 = x(b.fromS);
      const x1 = x(b.fromS + bucketMs / 1000);
      const yy = yTop(b.rowsPerSecond).toFixed(1);
      return [`${i === 0 ? 'M' : 'L'}${x0.toFixed(1)},${yy}`, `L${x1.toFixed(1)},${yy}`];
    })
    .join(' ');

  const bottom: Panel = { top: MARGIN.top + PANEL_HEIGHT + MARGIN.gap, yMax: 1, yLabel: 'batch latency (ms)', xMax };
  const yTicksBottom = niceTicks(
    Math.max(
      target * 1.2,
      points.reduce((max, p) => Math.max(max, p.durationMs), 0),
    ),
  );
  bottom.yMax = yTicksBottom[yTicksBottom.length - 1]!;
  const yBottom = (v: number) => bottom.top + PANEL_HEIGHT - (v / bottom.yMax) * PANEL_HEIGHT;
  const dots = points.map((p) => `<circle cx="${x(p.atMs / 1000).toFixed(1)}" cy="${yBottom(p.durationMs).toFixed(1)}" r="2"/>`).join('');

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11" fill="#111827">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="${MARGIN.left}" y="22" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>
${axes(top, yTicksTop, xTicks, compact)}
<path d="${path}" fill="none" stroke="#2563eb" stroke-width="1.5"/>
<text x="${WIDTH - MARGIN.right}" y="${top.top - 6}" text-anchor="end" fill="#6b7280">${escapeXml(`${bucketMs} ms buckets; ${points.length} batches`)}</text>
${axes(bottom, yTicksBottom, xTicks, compact)}
<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${yBottom(target).toFixed(1)}" y2="${yBottom(target).toFixed(1)}" stroke="#dc2626" stroke-dasharray="6 4"/>
<text x="${WIDTH - MARGIN.right - 4}" y="${(yBottom(target) - 5).toFixed(1)}" text-anchor="end" fill="#dc2626">${escapeXml(`longest-transaction target ${target} ms`)}</text>
<g fill="#059669">${dots}</g>
<text x="${MARGIN.left + PLOT_WIDTH / 2}" y="${HEIGHT - 8}" text-anchor="middle">seconds since the backfill process started</text>
</svg>
`;
}
