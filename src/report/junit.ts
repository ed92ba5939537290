/**
 * JUnit XML: one test case per check, so CI systems list the checks and show a failing one
 * with the offending row ids. A warning passes, with the details in system-out.
 */
import { escapeXml as x } from './escape.js';
import type { Check, Report } from './model.js';
import { formatCount } from '../text/format.js';

function failureType(check: Check, report: Report): string {
  if (check.id !== 'row_parity') return check.id;
  const { pending, conflict } = report.row_parity.classes;
  return [pending > 0 ? 'pending' : '', conflict > 0 ? 'conflict' : ''].filter(Boolean).join(',');
}

function details(check: Check, report: Report): string {
  const lines = [check.summary];
  if (check.id === 'row_parity') {
    for (const cls of ['conflict', 'pending'] as const) {
      for (const s of report.row_parity.samples[cls]) {
        lines.push(
          `${cls} ${s.id} (interception ${s.interception_id}): columns read=${s.column_cache_read} write=${s.column_cache_write}, metadata read=${s.rule_cache_read} write=${s.rule_cache_write}`,
        );
      }
    }
  } else if (check.id === 'totals_by_session') {
    for (const s of report.totals.sessions.top.filter((t) => !t.agrees)) {
      lines.push(`session ${s.session ?? '(no interception)'}: reads ${s.cache_read.difference}, writes ${s.cache_write.difference}`);
    }
  } else if (check.id === 'anomalies') {
    for (const s of report.anomalies.samples) {
      lines.push(`${s.id}: ${s.anomalies.map((a) => `${a.class} ${a.key ?? '(document)'}=${a.raw_value}`).join('; ')}`);
    }
  } else if (check.offending_row_ids.length > 0) {
    lines.push(`rows: ${check.offending_row_ids.join(', ')}`);
  }
  return lines.join('\n');
}

/** One test case per check, indented for a <testsuite> inside <testsuites> (verify's report and apply's). */
export function checkTestcases(report: Report): string[] {
  const indent = '    ';
  const out: string[] = [];
  for (const check of report.checks) {
    const open = `${indent}<testcase classname="aibridge-migrate.verify" name="${x(`${check.id}: ${check.title}`)}">`;
    if (check.status === 'pass') {
      out.push(`${open}</testcase>`);
    } else if (check.status === 'fail') {
      out.push(
        open,
        `${indent}  <failure type="${x(failureType(check, report))}" message="${x(check.summary)}">${x(details(check, report))}</failure>`,
        `${indent}</testcase>`,
      );
    } else if (check.status === 'skipped') {
      out.push(open, `${indent}  <skipped message="${x(check.summary)}"/>`, `${indent}</testcase>`);
    } else {
      out.push(open, `${indent}  <system-out>${x(`warning: ${details(check, report)}`)}</system-out>`, `${indent}</testcase>`);
    }
  }
  return out;
}

export function renderJunit(report: Report): string {
  const failures = report.checks.filter((c) => c.status === 'fail').length;
  const skipped = report.checks.filter((c) => c.status === 'skipped').length;
  const suite = `aibridge-migrate verify`;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="${x(suite)}" tests="${report.checks.length}" failures="${failures}" errors="0" skipped="${skipped}">`);
  out.push(
    `  <testsuite name="${x(suite)}" tests="${report.checks.length}" failures="${failures}" errors="0" skipped="${skipped}" timestamp="${x(report.generated_at)}">`,
  );
  out.push('    <properties>');
  const props: [string, string][] = [
    ['database', report.target.database],
    ['table', `${report.target.schema}.${report.target.table}`],
    ['snapshot', report.snapshot.taken_at],
    ['rule_fingerprint', report.tool.rule_fingerprint],
    ['rows', formatCount(report.row_parity.rows)],
    ['outcome', report.outcome.status],
    ['exit_code', String(report.outcome.exit_code)],
  ];
  for (const [name, value] of props) out.push(`      <property name="${x(name)}" value="${x(value)}"/>`);
  out.push('    </properties>');
  out.push(...checkTestcases(report));
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}
