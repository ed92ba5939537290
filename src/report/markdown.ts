/** The Markdown report, for a pull request or a change ticket. */
import { escapeMarkdown as md } from './escape.js';
import { LEDGER_RUN_HEADER, ledgerRunCells } from './ledger-run-row.js';
import type { Check, ProviderModelTotals, Report, RowSample } from './model.js';
import { sessionsSentence } from './checks.js';
import { formatCount, formatSignedCount } from '../text/format.js';
import { groupLabel } from './group-label.js';
import { sampleEstimateRows, sampleHeadline } from './sample-rows.js';

const ICON: Record<Check['status'], string> = { pass: '✅ pass', fail: '❌ fail', warn: '⚠️ warn', skipped: '➖ skipped' };

/** A code span for untrusted text: backticks cannot end it early, pipes cannot split a table cell. */
function code(text: string): string {
  return `\`${text
    .replace(/`/g, "'")
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')}\``;
}

/** `align`: one letter per column, l or r; by default the first column left, the rest right. */
function table(header: string[], rows: string[][], align = `l${'r'.repeat(header.length - 1)}`): string[] {
  const rule = header.map((_, i) => (align[i] === 'r' ? ' ---: ' : ' --- ')).join('|');
  return [`| ${header.join(' | ')} |`, `|${rule}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function sampleRows(samples: RowSample[]): string[][] {
  return samples.map((s) => [
    `\`${s.id}\``,
    `\`${s.interception_id}\``,
    formatCount(s.column_cache_read),
    formatCount(s.column_cache_write),
    formatCount(s.rule_cache_read),
    formatCount(s.rule_cache_write),
  ]);
}

function totalsRow(name: string, g: ProviderModelTotals): string[] {
  const r = g.cache_read;
  const w = g.cache_write;
  return [
    md(name),
    formatCount(g.rows),
    formatCount(r.columns),
    formatCount(r.rule),
    formatCount(r.application_written),
    g.agrees ? formatSignedCount(r.difference) : `**${formatSignedCount(r.difference)}**`,
    formatCount(w.columns),
    formatCount(w.rule),
    formatCount(w.application_written),
    g.agrees ? formatSignedCount(w.difference) : `**${formatSignedCount(w.difference)}**`,
    `${formatCount(r.legacy_dashboard)} → ${formatCount(r.dashboard_after)} (${formatSignedCount(r.dashboard_change)})`,
  ];
}

export function renderMarkdown(report: Report): string {
  const out = [
    ...headerSection(report),
    ...sampleSection(report),
    ...paritySection(report),
    ...totalsSection(report),
    ...sessionsSection(report),
    ...anomaliesSection(report),
    ...ledgerSection(report),
  ];
  return `${out.join('\n').trimEnd()}\n`;
}

/** The verdict, what was verified, the warnings and the checks. */
function headerSection(report: Report): string[] {
  const status =
    report.outcome.status === 'pass'
      ? '✅ parity holds'
      : report.outcome.status === 'fail'
        ? `❌ parity fails${report.sample ? ' (in a sample)' : ''}`
        : report.outcome.status === 'sample' && report.sample
          ? `🔎 ${sampleHeadline(report.sample)}`
          : '⚠️ preview before `up`';
  return [
    `## aibridge-migrate verify: ${status}`,
    '',
    `Database \`${md(report.target.database)}\`, table \`${md(report.target.schema)}.${report.target.table}\`; snapshot ${report.snapshot.taken_at}; rule \`${report.tool.rule_fingerprint}\`; exit code **${report.outcome.exit_code}**.`,
    '',
    ...report.warnings.flatMap((warning) => [`> **Warning:** ${md(warning)}`, '']),
    ...table(
      ['Check', 'Status', 'Summary'],
      report.checks.map((c) => [c.title, ICON[c.status], md(c.summary)]),
      'lll',
    ),
    '',
  ];
}

function sampleSection({ sample }: Report): string[] {
  if (!sample) return [];
  return [
    '### Estimated for the whole table',
    '',
    `From ${formatCount(sample.rows_sampled)} sampled rows (${sample.replicates} replicates, seed ${sample.seed}); 95% interval.`,
    '',
    ...table(
      ['Figure', 'Estimate', 'Standard error', '95% interval'],
      sampleEstimateRows(sample).map(([label, e]) => [
        md(label),
        formatCount(e.estimate),
        formatCount(e.standard_error),
        `${formatCount(e.low)} – ${formatCount(e.high)}`,
      ]),
    ),
    '',
  ];
}

function paritySection(report: Report): string[] {
  const { classes, samples } = report.row_parity;
  const out = [report.sample ? '### Sampled rows by parity class' : '### Rows by parity class', ''];
  out.push(
    ...table(
      ['Class', 'Rows'],
      [
        ['ok', formatCount(classes.ok)],
        ['application_written', formatCount(classes.application_written)],
        ['pending', formatCount(classes.pending)],
        ['conflict', formatCount(classes.conflict)],
      ],
    ),
    '',
  );
  for (const cls of ['conflict', 'pending'] as const) {
    if (samples[cls].length === 0) continue;
    out.push(`<details><summary>${samples[cls].length} of ${formatCount(classes[cls])} ${cls} rows</summary>`, '');
    out.push(
      ...table(
        ['Row id', 'Interception id', 'Column read', 'Column write', 'Metadata read', 'Metadata write'],
        sampleRows(samples[cls]),
        'llrrrr',
      ),
      '',
      '</details>',
      '',
    );
  }
  return out;
}

function totalsSection({ totals }: Report): string[] {
  const out = [
    '### Cache tokens per provider and model',
    '',
    "Δ = columns − application-written − metadata; it is 0 when parity holds. The last column is the dashboard's cache-read total before the switch (from metadata, `input_cached` ignored) and after it (from the columns).",
    '',
    ...table(
      [
        'Provider / model',
        'Rows',
        'Reads: columns',
        'Reads: metadata',
        'Reads: app-written',
        'Δ reads',
        'Writes: columns',
        'Writes: metadata',
        'Writes: app-written',
        'Δ writes',
        'Dashboard reads before → after',
      ],
      [
        ...totals.by_provider_model.map((g) => totalsRow(groupLabel(g.provider, g.model), g)),
        totalsRow('**total**', totals.all).map((cell, i) => (i === 0 ? '**total**' : cell)),
      ],
    ),
    '',
  ];
  const reasons = totals.by_provider_model.filter((g) => g.dashboard_change_reasons.length > 0);
  if (reasons.length > 0) {
    out.push('Why dashboard totals move:', '');
    for (const g of reasons) out.push(`- **${md(groupLabel(g.provider, g.model))}**: ${g.dashboard_change_reasons.map(md).join('; ')}.`);
    out.push('');
  }
  return out;
}

function sessionsSection(report: Report): string[] {
  const { sessions } = report.totals;
  const out = ['### Sessions', '', sessionsSentence(sessions, report.sample !== null), ''];
  const differing = sessions.top.filter((s) => !s.agrees);
  if (differing.length === 0) return out;
  return [
    ...out,
    ...table(
      ['Session', 'Rows', 'Δ reads', 'Δ writes'],
      differing.map((s) => [
        s.session === null ? '(no interception)' : code(s.session),
        formatCount(s.rows),
        formatSignedCount(s.cache_read.difference),
        formatSignedCount(s.cache_write.difference),
      ]),
    ),
    '',
  ];
}

function anomaliesSection({ anomalies }: Report): string[] {
  if (anomalies.rows === 0) return ['### Metadata anomalies', '', 'None.', ''];
  const out = [
    '### Metadata anomalies',
    '',
    `${formatCount(anomalies.rows)} rows; malformed values count as absent.`,
    '',
    ...table(
      ['Class', 'Key', 'Rows'],
      anomalies.by_key.map((a) => [a.class, a.key === null ? '(whole document)' : `\`${a.key}\``, formatCount(a.rows)]),
      'llr',
    ),
    '',
  ];
  if (anomalies.samples.length === 0) return out;
  return [
    ...out,
    `<details><summary>${anomalies.samples.length} sample rows</summary>`,
    '',
    ...table(
      ['Row id', 'Anomalies'],
      anomalies.samples.map((s) => [
        `\`${s.id}\``,
        s.anomalies.map((a) => `${a.class} ${a.key === null ? '(document)' : `\`${a.key}\``} = ${md(a.raw_value)}`).join('; '),
      ]),
      'll',
    ),
    '',
    '</details>',
    '',
  ];
}

function ledgerSection(report: Report): string[] {
  const run = report.count_parity.ledger_run;
  if (!run) return [];
  return ['### Backfill ledger', '', ...table(LEDGER_RUN_HEADER, [ledgerRunCells(run).map(md)], 'lrrrrrr'), ''];
}
