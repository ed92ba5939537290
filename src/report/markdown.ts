/** The Markdown report, for a pull request or a change ticket. */
import { escapeMarkdown as md } from './escape.js';
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
  const out: string[] = [];
  const status =
    report.outcome.status === 'pass'
      ? '✅ parity holds'
      : report.outcome.status === 'fail'
        ? `❌ parity fails${report.sample ? ' (in a sample)' : ''}`
        : report.outcome.status === 'sample' && report.sample
          ? `🔎 ${sampleHeadline(report.sample)}`
          : '⚠️ preview before `up`';
  out.push(`## aibridge-migrate verify: ${status}`, '');
  out.push(
    `Database \`${md(report.target.database)}\`, table \`${md(report.target.schema)}.${report.target.table}\`; snapshot ${report.snapshot.taken_at}; rule \`${report.tool.rule_fingerprint}\`; exit code **${report.outcome.exit_code}**.`,
    '',
  );
  for (const warning of report.warnings) out.push(`> **Warning:** ${md(warning)}`, '');

  out.push(
    ...table(
      ['Check', 'Status', 'Summary'],
      report.checks.map((c) => [c.title, ICON[c.status], md(c.summary)]),
      'lll',
    ),
    '',
  );

  if (report.sample) {
    out.push(
      '### Estimated for the whole table',
      '',
      `From ${formatCount(report.sample.rows_sampled)} sampled rows (${report.sample.replicates} replicates, seed ${report.sample.seed}); 95% interval.`,
      '',
    );
    out.push(
      ...table(
        ['Figure', 'Estimate', 'Standard error', '95% interval'],
        sampleEstimateRows(report.sample).map(([label, e]) => [
          md(label),
          formatCount(e.estimate),
          formatCount(e.standard_error),
          `${formatCount(e.low)} – ${formatCount(e.high)}`,
        ]),
      ),
      '',
    );
  }

  const { classes, samples } = report.row_parity;
  out.push(report.sample ? '### Sampled rows by parity class' : '### Rows by parity class', '');
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

  out.push('### Cache tokens per provider and model', '');
  out.push(
    "Δ = columns − application-written − metadata; it is 0 when parity holds. The last column is the dashboard's cache-read total before the switch (from metadata, `input_cached` ignored) and after it (from the columns).",
    '',
  );
  out.push(
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
        ...report.totals.by_provider_model.map((g) => totalsRow(groupLabel(g.provider, g.model), g)),
        totalsRow('**total**', report.totals.all).map((cell, i) => (i === 0 ? '**total**' : cell)),
      ],
    ),
    '',
  );
  const reasons = report.totals.by_provider_model.filter((g) => g.dashboard_change_reasons.length > 0);
  if (reasons.length > 0) {
    out.push('Why dashboard totals move:', '');
    for (const g of reasons) out.push(`- **${md(groupLabel(g.provider, g.model))}**: ${g.dashboard_change_reasons.map(md).join('; ')}.`);
    out.push('');
  }

  const { sessions } = report.totals;
  out.push('### Sessions', '', sessionsSentence(sessions, report.sample !== null), '');
  const differing = sessions.top.filter((s) => !s.agrees);
  if (differing.length > 0) {
    out.push(
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
    );
  }

  const { anomalies } = report;
  out.push('### Metadata anomalies', '');
  if (anomalies.rows === 0) out.push('None.', '');
  else {
    out.push(`${formatCount(anomalies.rows)} rows; malformed values count as absent.`, '');
    out.push(
      ...table(
        ['Class', 'Key', 'Rows'],
        anomalies.by_key.map((a) => [a.class, a.key === null ? '(whole document)' : `\`${a.key}\``, formatCount(a.rows)]),
        'llr',
      ),
      '',
    );
    if (anomalies.samples.length > 0) {
      out.push(`<details><summary>${anomalies.samples.length} sample rows</summary>`, '');
      out.push(
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
      );
    }
  }

  const run = report.count_parity.ledger_run;
  if (run) {
    out.push('### Backfill ledger', '');
    out.push(
      ...table(
        ['Run', 'Status', 'Rows at start', 'Rows now', 'Created since', 'Unexplained', 'Rows updated'],
        [
          [
            md(run.run_id),
            md(run.status),
            run.table_rows_at_start === null ? '?' : formatCount(run.table_rows_at_start),
            run.rows_now === null ? '?' : formatCount(run.rows_now),
            run.rows_created_since_start === null ? '?' : formatCount(run.rows_created_since_start),
            run.rows_unexplained === null ? '?' : formatSignedCount(run.rows_unexplained),
            formatCount(run.rows_updated),
          ],
        ],
        'lrrrrrr',
      ),
      '',
    );
  }

  return `${out.join('\n').trimEnd()}\n`;
}
