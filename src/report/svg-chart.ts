/**
 * Inline SVG bar charts for the HTML report: no script, no external font or stylesheet, so
 * the page renders the same offline, in a mail client, or attached to a ticket.
 */
import { escapeHtml as h } from './escape.js';
import { formatCount } from '../text/format.js';

export interface BarSeries {
  name: string;
  color: string;
}

export interface BarGroup {
  label: string;
  /** One value per series, in series order. */
  values: number[];
  /** Overrides the series colour (single-series charts that colour each bar by meaning). */
  color?: string;
}

export interface BarChartSpec {
  title: string;
  series: BarSeries[];
  groups: BarGroup[];
  /** Shown when there is nothing to draw. */
  empty?: string;
}

const WIDTH = 760;
const LABEL_WIDTH = 230;
const VALUE_WIDTH = 110;
const BAR_HEIGHT = 16;
const BAR_GAP = 3;
const GROUP_GAP = 12;

/** Horizontal grouped bars, one row of bars per group, scaled to the largest value. */
export function barChart(spec: BarChartSpec): string {
  const titleId = `chart-${spec.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  if (spec.groups.length === 0) {
    return `<figure class="chart"><figcaption id="${h(titleId)}">${h(spec.title)}</figcaption><p class="muted">${h(spec.empty ?? 'Nothing to show.')}</p></figure>`;
  }
  const max = Math.max(1, ...spec.groups.flatMap((g) => g.values.map((v) => Math.abs(v))));
  const plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const groupHeight = spec.series.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
  const legendHeight = spec.series.length > 1 ? 26 : 0;
  const height = legendHeight + spec.groups.length * (groupHeight + GROUP_GAP);
  const parts: string[] = [];
  if (spec.series.length > 1) {
    let x = LABEL_WIDTH;
    for (const s of spec.series) {
      parts.push(
        `<rect x="${x}" y="4" width="12" height="12" fill="${h(s.color)}"/><text x="${x + 16}" y="14" class="legend">${h(s.name)}</text>`,
      );
      x += 24 + s.name.length * 7;
    }
  }
  spec.groups.forEach((group, gi) => {
    const top = legendHeight + gi * (groupHeight + GROUP_GAP);
    const label = group.label.length > 34 ? `${group.label.slice(0, 33)}…` : group.label;
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${top + groupHeight / 2 + 4}" text-anchor="end" class="label"><title>${h(group.label)}</title>${h(label)}</text>`,
    );
    group.values.forEach((value, si) => {
      const series = spec.series[si]!;
      const y = top + si * (BAR_HEIGHT + BAR_GAP);
      const width = value === 0 ? 0 : Math.max(1, (Math.abs(value) / max) * plot);
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${h(group.color ?? series.color)}"><title>${h(`${group.label} — ${series.name}: ${formatCount(value)}`)}</title></rect>`,
        `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + BAR_HEIGHT - 4}" class="value">${h(formatCount(value))}</text>`,
      );
    });
  });
  return `<figure class="chart"><figcaption id="${h(titleId)}">${h(spec.title)}</figcaption><svg role="img" aria-labelledby="${h(titleId)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">${parts.join('')}</svg></figure>`;
}
