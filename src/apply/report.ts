/**
 * The one report of a whole `apply` stage (--report FILE): JUnit XML for a CI system's test
 * view (a test case per stage, then verify's checks), Markdown for a step summary or a change
 * ticket (the stages, then verify's own Markdown report), or the --json document.
 */
import { EXIT_CODES } from '../errors.js';
import { escapeMarkdown as md, escapeXml as x } from '../report/escape.js';
import { checkTestcases } from '../report/junit.js';
import { renderMarkdown } from '../report/markdown.js';
import { formatSeconds } from '../text/format.js';
import type { ApplyReportFormat } from './options.js';
import { applyJson, applyStatus } from './render.js';
import type { ApplyResult, StageRecord } from './result.js';

const SUITE = 'aibridge-migrate apply';

function stageTestcase(record: StageRecord, result: ApplyResult): string[] {
  const time = record.durationMs === null ? '' : ` time="${(record.durationMs / 1000).toFixed(3)}"`;
  const open = `    <testcase classname="aibridge-migrate.apply" name="${x(record.stage)}"${time}>`;
  const error =
    result.error && result.stages.find((s) => s.status === 'failed' || s.status === 'interrupted') === record ? result.error : null;
  switch (record.status) {
    case 'done':
      return [`${open}<system-out>${x(record.summary)}</system-out></testcase>`];
    case 'skipped':
    case 'not_run':
      return [open, `      <skipped message="${x(record.summary)}"/>`, '    </testcase>'];
    case 'failed':
    case 'interrupted': {
      const body = error ? [error.message, error.hint ? `hint: ${error.hint}` : ''].filter(Boolean).join('\n') : record.summary;
      const type = error ? error.code : result.exitCode === EXIT_CODES.notReady ? 'not_ready' : 'parity';
      return [open, `      <failure type="${x(type)}" message="${x(record.summary)}">${x(body)}</failure>`, '    </testcase>'];
    }
  }
}

export function applyJunit(result: ApplyResult): string {
  const verify = result.stages.find((s) => s.stage === 'verify');
  const report = verify?.stage === 'verify' ? verify.report : null;
  const cases = [...result.stages.flatMap((s) => stageTestcase(s, result)), ...(report ? checkTestcases(report) : [])];
  const tests = result.stages.length + (report?.checks.length ?? 0);
  const failures =
    result.stages.filter((s) => s.status === 'failed' || s.status === 'interrupted').length +
    (report?.checks.filter((c) => c.status === 'fail').length ?? 0);
  const skipped =
    result.stages.filter((s) => s.status === 'skipped' || s.status === 'not_run').length +
    (report?.checks.filter((c) => c.status === 'skipped').length ?? 0);
  const counts = `tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}"`;
  const time = `time="${(result.elapsedMs / 1000).toFixed(3)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${SUITE}" ${counts} ${time}>`,
    `  <testsuite name="${SUITE}" ${counts} ${time}>`,
    '    <properties>',
    `      <property name="database" value="${x(result.database)}"/>`,
    `      <property name="status" value="${x(applyStatus(result))}"/>`,
    `      <property name="exit_code" value="${result.exitCode}"/>`,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

const ICON: Record<StageRecord['status'], string> = {
  done: '✅ done',
  skipped: '➖ skipped',
  failed: '❌ failed',
  interrupted: '⏹️ stopped',
  not_run: '➖ not run',
};

export function applyMarkdown(result: ApplyResult): string {
  const status = applyStatus(result);
  const out = [
    `## aibridge-migrate apply: ${status === 'ok' ? '✅ converged' : `❌ exit ${result.exitCode} (${status.replace('_', ' ')})`}`,
    '',
    `Database \`${md(result.database)}\`; ${formatSeconds(result.elapsedMs)}.`,
    '',
    '| stage | status | time | what happened |',
    '| --- | --- | ---: | --- |',
    ...result.stages.map(
      (s) => `| ${s.stage} | ${ICON[s.status]} | ${s.durationMs === null ? '' : formatSeconds(s.durationMs)} | ${md(s.summary)} |`,
    ),
    '',
  ];
  if (result.error) {
    out.push(`**${md(result.error.message)}**`, '');
    if (result.error.hint) out.push(md(result.error.hint), '');
  }
  const verify = result.stages.find((s) => s.stage === 'verify');
  if (verify?.stage === 'verify' && verify.report) out.push(renderMarkdown(verify.report));
  return `${out.join('\n').trimEnd()}\n`;
}

export function renderApplyReport(result: ApplyResult, format: ApplyReportFormat, configFile: string | null): string {
  switch (format) {
    case 'junit':
      return applyJunit(result);
    case 'markdown':
      return applyMarkdown(result);
    case 'json':
      return `${JSON.stringify({ ...applyJson(result), config_file: configFile }, null, 2)}\n`;
  }
}
