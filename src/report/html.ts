/**
 * One self-contained HTML page: inline CSS and SVG, no script, no network fetch. Every value
 * from the database goes through escapeHtml.
 */
import { escapeHtml as h } from './escape.js';
import { LEDGER_RUN_HEADER, ledgerRunCells } from './ledger-run-row.js';
import type { Check, ProviderModelTotals, Report, RowSample } from './model.js';
import { sessionsSentence } from './checks.js';
import { formatCount, formatSignedCount } from '../text/format.js';
import { groupLabel } from './group-label.js';
import { barChart } from './svg-chart.js';
import { sampleHeadline, sampleEstimateRows } from './sample-rows.js';

const CLASS_COLORS = { ok: '#2e7d32', application_written: '#1565c0', pending: '#ef6c00', conflict: '#c62828' } as const;
const STATUS_LABEL: Record<Check['status'], string> = { pass: 'pass', fail: 'fail', warn: 'warning', skipped: 'skipped' };
/** The same quantity has the same colour in every chart. */
const RULE_SERIES = { name: 'from metadata (rule)', color: '#1565c0' };
const COLUMNS_SERIES = { name: 'columns', color: '#2e7d32' };

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;margin:0;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dcdfe4;padding-bottom:4px}
.meta,.muted{color:#5f6368}.banner{padding:10px 14px;border-radius:6px;margin:14px 0;font-weight:600}
.banner.pass{background:#e6f4ea;color:#1e5e2b}.banner.fail{background:#fce8e6;color:#8c1d18}.banner.before_up,.banner.sample{background:#fff4e5;color:#7a4100}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid #e1e4e8;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f0f2f5}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.status{font-weight:600;padding:1px 8px;border-radius:10px;font-size:12px;white-space:nowrap}
.status.pass{background:#e6f4ea;color:#1e5e2b}.status.fail{background:#fce8e6;color:#8c1d18}.status.warn{background:#fff4e5;color:#7a4100}.status.skipped{background:#eee;color:#555}
tr.bad td{background:#fff5f5}.warn{color:#7a4100}
.charts{display:flex;flex-direction:column;gap:8px}
figure.chart{margin:0;background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:10px}
figcaption{font-weight:600;margin-bottom:6px}figure.chart svg{max-width:100%;height:auto}
.scroll{overflow-x:auto}
svg text{font:12px system-ui,sans-serif;fill:#333}svg text.value{fill:#555}svg text.legend{fill:#333}
`;

function cell(text: string, numeric = false): string {
  return `<td${numeric ? ' class="n"' : ''}>${h(text)}</td>`;
}

function sampleTable(samples: RowSample[]): string {
  const rows = samples.map(
    (s) =>
      `<tr><td><code>${h(s.id)}</code></td><td><code>${h(s.interception_id)}</code></td>${cell(formatCount(s.column_cache_read), true)}${cell(formatCount(s.column_cache_write), true)}${cell(formatCount(s.rule_cache_read), true)}${cell(formatCount(s.rule_cache_write), true)}</tr>`,
  );
  return `<div class="scroll"><table><thead><tr><th>Row id</th><th>Interception id</th><th>Column read</th><th>Column write</th><th>Metadata read</th><th>Metadata write</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

export function renderHtml(report: Report): string {
  const title = `aibridge-migrate verify`;
  const body = [
    ...headerSection(report, title),
    ...checksSection(report),
    ...sampleSection(report),
    ...chartsSection(report),
    ...paritySection(report),
    ...totalsSection(report),
    ...sessionsSection(report),
    ...anomaliesSection(report),
    ...countParitySection(report),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${h(title)}: ${h(report.outcome.status)}</title>
<style>${CSS}</style>
</head>
<body><main>
${body.join('\n')}
</main></body>
</html>
`;
}

function headerSection(report: Report, title: string): string[] {
  const { outcome } = report;
  const banner =
    outcome.status === 'pass'
      ? 'Parity holds'
      : outcome.status === 'fail'
        ? `Parity fails${report.sample ? ' (found in a sample)' : ''}: ${outcome.failing_checks.join(', ')}`
        : outcome.status === 'sample' && report.sample
          ? sampleHeadline(report.sample)
          : 'Preview: the cache columns do not exist yet (run up first)';
  return [
    `<h1>${h(title)}</h1>`,
    `<div class="meta">${h(report.target.database)} · ${h(report.target.schema)}.${h(report.target.table)} · snapshot ${h(report.snapshot.taken_at)} · rule ${h(report.tool.rule_fingerprint)} · exit code ${outcome.exit_code}</div>`,
    `<div class="banner ${h(outcome.status)}">${h(banner)}</div>`,
    ...report.warnings.map((w) => `<p class="warn">Warning: ${h(w)}</p>`),
  ];
}

function checksSection(report: Report): string[] {
  return [
    '<h2>Checks</h2><div class="scroll"><table><thead><tr><th>Check</th><th>Status</th><th>Summary</th></tr></thead><tbody>',
    ...report.checks.map(
      (c) =>
        `<tr><td>${h(c.title)}</td><td><span class="status ${c.status}">${STATUS_LABEL[c.status]}</span></td><td>${h(c.summary)}</td></tr>`,
    ),
    '</tbody></table></div>',
  ];
}

function sampleSection({ sample }: Report): string[] {
  if (!sample) return [];
  return [
    `<h2>Estimated for the whole table</h2><p class="muted">From ${formatCount(sample.rows_sampled)} sampled rows (${sample.replicates} replicates, seed ${sample.seed}); 95% interval. Everything below is over the sampled rows only.</p>`,
    '<table><thead><tr><th>Figure</th><th>Estimate</th><th>Standard error</th><th>95% interval</th></tr></thead><tbody>',
    ...sampleEstimateRows(sample).map(
      ([label, e]) =>
        `<tr>${cell(label)}${cell(formatCount(e.estimate), true)}${cell(formatCount(e.standard_error), true)}${cell(`${formatCount(e.low)} – ${formatCount(e.high)}`, true)}</tr>`,
    ),
    '</tbody></table>',
  ];
}

function chartsSection({ row_parity: rp, totals, anomalies }: Report): string[] {
  return [
    '<h2>Charts</h2><div class="charts">',
    barChart({
      title: `Rows by parity class (${formatCount(rp.rows)} rows)`,
      series: [{ name: 'rows', color: '#546e7a' }],
      groups: (['ok', 'application_written', 'pending', 'conflict'] as const).map((c) => ({
        label: c,
        values: [rp.classes[c]],
        color: CLASS_COLORS[c],
      })),
    }),
    barChart({
      title: 'Cache-read tokens per provider and model',
      series: [{ name: 'old dashboard', color: '#9e9e9e' }, RULE_SERIES, COLUMNS_SERIES],
      groups: totals.by_provider_model.map((g) => ({
        label: groupLabel(g.provider, g.model),
        values: [g.cache_read.legacy_dashboard, g.cache_read.rule, g.cache_read.columns],
      })),
      empty: 'No rows.',
    }),
    barChart({
      title: 'Cache-write tokens per provider and model',
      series: [RULE_SERIES, COLUMNS_SERIES],
      // Only Anthropic reports cache writes; rows of zeros would only push the others apart.
      groups: totals.by_provider_model
        .filter((g) => g.cache_write.rule !== 0 || g.cache_write.columns !== 0)
        .map((g) => ({ label: groupLabel(g.provider, g.model), values: [g.cache_write.rule, g.cache_write.columns] })),
      empty: 'No cache writes in any group.',
    }),
    barChart({
      title: `Metadata anomalies (${formatCount(anomalies.rows)} rows)`,
      series: [{ name: 'rows', color: '#8e24aa' }],
      groups: anomalies.by_key.map((a) => ({ label: `${a.class} · ${a.key ?? 'document'}`, values: [a.rows] })),
      empty: 'No anomalies.',
    }),
    '</div>',
  ];
}

function paritySection({ row_parity: rp }: Report): string[] {
  const body = ['<h2>Rows by parity class</h2>'];
  for (const cls of ['conflict', 'pending'] as const) {
    if (rp.samples[cls].length === 0) continue;
    body.push(
      `<p>${rp.samples[cls].length} of ${formatCount(rp.classes[cls])} <strong>${cls}</strong> rows:</p>${sampleTable(rp.samples[cls])}`,
    );
  }
  if (rp.samples.conflict.length + rp.samples.pending.length === 0) body.push('<p class="muted">No pending or conflicting rows.</p>');
  return body;
}

function totalsRow(name: string, g: ProviderModelTotals): string {
  const r = g.cache_read;
  const w = g.cache_write;
  return `<tr${g.agrees ? '' : ' class="bad"'}>${cell(name)}${cell(formatCount(g.rows), true)}${cell(formatCount(r.columns), true)}${cell(formatCount(r.rule), true)}${cell(formatCount(r.application_written), true)}${cell(formatSignedCount(r.difference), true)}${cell(formatCount(w.columns), true)}${cell(formatCount(w.rule), true)}${cell(formatCount(w.application_written), true)}${cell(formatSignedCount(w.difference), true)}${cell(`${formatCount(r.legacy_dashboard)} → ${formatCount(r.dashboard_after)} (${formatSignedCount(r.dashboard_change)})`, true)}</tr>`;
}

function totalsSection({ totals }: Report): string[] {
  const body = [
    '<h2>Cache tokens per provider and model</h2>',
    '<p class="muted">Δ = columns − application-written − metadata (0 when parity holds). Dashboard: cache-read total before the switch (metadata, input_cached ignored) → after (columns).</p>',
    '<div class="scroll"><table><thead><tr><th>Provider / model</th><th>Rows</th><th>Reads: columns</th><th>Reads: metadata</th><th>Reads: app-written</th><th>Δ reads</th><th>Writes: columns</th><th>Writes: metadata</th><th>Writes: app-written</th><th>Δ writes</th><th>Dashboard reads</th></tr></thead><tbody>',
    ...totals.by_provider_model.map((g) => totalsRow(groupLabel(g.provider, g.model), g)),
    totalsRow('total', totals.all),
    '</tbody></table></div>',
  ];
  const moving = totals.by_provider_model.filter((g) => g.dashboard_change_reasons.length > 0);
  if (moving.length > 0) {
    body.push('<p>Why dashboard totals move:</p><ul>');
    for (const g of moving)
      body.push(`<li><strong>${h(groupLabel(g.provider, g.model))}</strong>: ${g.dashboard_change_reasons.map(h).join('; ')}.</li>`);
    body.push('</ul>');
  }
  return body;
}

function sessionsSection(report: Report): string[] {
  const { sessions } = report.totals;
  const body = [`<h2>Sessions</h2><p>${h(sessionsSentence(sessions, report.sample !== null))}</p>`];
  const differing = sessions.top.filter((s) => !s.agrees);
  if (differing.length === 0) return body;
  return [
    ...body,
    '<table><thead><tr><th>Session</th><th>Rows</th><th>Δ reads</th><th>Δ writes</th></tr></thead><tbody>',
    ...differing.map(
      (s) =>
        `<tr class="bad"><td><code>${h(s.session ?? '(no interception)')}</code></td>${cell(formatCount(s.rows), true)}${cell(formatSignedCount(s.cache_read.difference), true)}${cell(formatSignedCount(s.cache_write.difference), true)}</tr>`,
    ),
    '</tbody></table>',
  ];
}

function anomaliesSection({ anomalies }: Report): string[] {
  if (anomalies.samples.length === 0) return ['<h2>Metadata anomalies</h2>', '<p class="muted">None.</p>'];
  return [
    '<h2>Metadata anomalies</h2>',
    '<table><thead><tr><th>Row id</th><th>Class</th><th>Key</th><th>Raw value</th></tr></thead><tbody>',
    ...anomalies.samples.flatMap((s) =>
      s.anomalies.map(
        (a) =>
          `<tr><td><code>${h(s.id)}</code></td>${cell(a.class)}${cell(a.key ?? '(document)')}<td><code>${h(a.raw_value)}</code></td></tr>`,
      ),
    ),
    '</tbody></table>',
  ];
}

function countParitySection({ count_parity: cp }: Report): string[] {
  const body = [
    '<h2>Count parity</h2>',
    `<p>${formatCount(cp.rows_classified)} rows classified, ${cp.rows_in_table === null ? 'the table not counted (a sample)' : `${formatCount(cp.rows_in_table)} in the table`}; ledger: ${h(cp.ledger)}.</p>`,
  ];
  if (!cp.ledger_run) return body;
  const header = LEDGER_RUN_HEADER.map((label) => `<th>${label}</th>`).join('');
  const cells = ledgerRunCells(cp.ledger_run)
    .map((text, i) => cell(text, i >= 2))
    .join('');
  return [...body, `<table><thead><tr>${header}</tr></thead><tbody><tr>${cells}</tr></tbody></table>`];
}
