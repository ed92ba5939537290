/** The compact human summary (the default format): what failed first, then the figures. */
import { paint, type Style } from '../text/colour.js';
import { escapeTerminal as safe } from './escape.js';
import type { Check, Report, RowSample } from './model.js';
import { formatCount, formatSignedCount } from '../text/format.js';
import { groupLabel } from './group-label.js';
import { estimateText } from './checks.js';
import { sampleEstimateRows, sampleHeadline } from './sample-rows.js';

const STATUS_STYLE: Record<Check['status'], Style> = { pass: 'green', fail: 'red', warn: 'yellow', skipped: 'dim' };
const STATUS_WORD: Record<Check['status'], string> = { pass: 'pass', fail: 'FAIL', warn: 'warn', skipped: 'skip' };

function sampleLine(s: RowSample): string {
  return `    ${s.id}  columns ${formatCount(s.column_cache_read)}/${formatCount(s.column_cache_write)}  metadata ${formatCount(s.rule_cache_read)}/${formatCount(s.rule_cache_write)}  (interception ${s.interception_id})`;
}

export function renderText(report: Report, options: { color: boolean }): string {
  const c = (style: Style, text: string) => paint(options.color, style, text);
  const out: string[] = [];
  const { outcome } = report;
  const headline =
    outcome.status === 'pass'
      ? c('green', 'parity holds')
      : outcome.status === 'fail'
        ? c('red', `parity FAILS${report.sample ? ` (found in a sample of ~${report.sample.percent}% of the pages)` : ''}`)
        : outcome.status === 'sample' && report.sample
          ? c('yellow', sampleHeadline(report.sample))
          : c('yellow', 'preview: the cache columns do not exist yet');
  out.push(`${c('bold', 'aibridge-migrate verify')}: ${headline} (exit ${outcome.exit_code})`);
  out.push(
    c(
      'dim',
      `${safe(report.target.database)} · ${safe(report.target.schema)}.${report.target.table} · snapshot ${report.snapshot.taken_at} · rule ${report.tool.rule_fingerprint}`,
    ),
  );
  out.push('');
  for (const check of report.checks) {
    out.push(`${c(STATUS_STYLE[check.status], STATUS_WORD[check.status].padEnd(4))}  ${check.title.padEnd(30)} ${safe(check.summary)}`);
  }

  if (report.sample) {
    out.push(
      '',
      `estimated for the whole table from ${formatCount(report.sample.rows_sampled)} sampled rows (${report.sample.replicates} replicates; 95% interval):`,
    );
    for (const [label, e] of sampleEstimateRows(report.sample)) out.push(`    ${label.padEnd(34)} ${estimateText(e)}`);
  }

  const { samples } = report.row_parity;
  for (const cls of ['conflict', 'pending'] as const) {
    if (samples[cls].length === 0) continue;
    out.push(
      '',
      `${cls} rows (${formatCount(samples[cls].length)} of ${formatCount(report.row_parity.classes[cls])} shown; cache read/write):`,
    );
    out.push(...samples[cls].map(sampleLine));
  }

  out.push('', `cache tokens per provider/model (read · write): columns | from metadata | application-written | old dashboard → after`);
  const rows = [...report.totals.by_provider_model, { ...report.totals.all, provider: 'all', model: 'rows' }];
  const width = Math.min(40, Math.max(...rows.map((g) => groupLabel(g.provider, g.model).length)));
  for (const g of rows) {
    const name = g === rows[rows.length - 1] ? 'total' : groupLabel(g.provider, g.model);
    const r = g.cache_read;
    const w = g.cache_write;
    const mark = g.agrees ? ' ' : c('red', '!');
    out.push(
      `  ${mark} ${safe(name).padEnd(width)}  ${formatCount(r.columns)} · ${formatCount(w.columns)} | ${formatCount(r.rule)} · ${formatCount(w.rule)} | ${formatCount(r.application_written)} · ${formatCount(w.application_written)} | ${formatCount(r.legacy_dashboard)} → ${formatCount(r.dashboard_after)} (${formatSignedCount(r.dashboard_change)}) · ${formatCount(w.legacy_dashboard)} → ${formatCount(w.dashboard_after)}`,
    );
    for (const reason of g === rows[rows.length - 1] ? [] : g.dashboard_change_reasons) out.push(c('dim', `      ${safe(reason)}`));
  }

  const { sessions } = report.totals;
  const differing = sessions.top.filter((s) => !s.agrees);
  if (differing.length > 0) {
    out.push('', `sessions with the largest difference (columns − application-written − metadata, read · write):`);
    for (const s of differing)
      out.push(
        `    ${safe(s.session ?? '(no interception)')}  ${formatSignedCount(s.cache_read.difference)} · ${formatSignedCount(s.cache_write.difference)}  (${formatCount(s.rows)} rows)`,
      );
  }

  const { anomalies } = report;
  if (anomalies.rows > 0) {
    out.push(
      '',
      `anomalies (${formatCount(anomalies.rows)} rows): ${anomalies.by_key.map((a) => `${a.class}:${a.key ?? '(document)'} ${formatCount(a.rows)}`).join(', ')}`,
    );
    for (const sample of anomalies.samples) {
      out.push(`    ${sample.id}  ${sample.anomalies.map((a) => `${a.key ?? '(document)'}=${safe(a.raw_value)} (${a.class})`).join(', ')}`);
    }
  }

  for (const warning of report.warnings) out.push(`${c('yellow', 'warning:')} ${safe(warning)}`);
  return `${out.join('\n')}\n`;
}
