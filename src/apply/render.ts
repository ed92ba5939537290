/**
 * What `apply` prints: one JSON document (--json) or text for people, for the run and for the
 * dry run. Pure functions of the results; the stage's report file is in report.ts.
 *
 * The JSON document: {status, command: "apply", dry_run, exit_code, database, elapsed_ms,
 * coder_before, stages: [{stage, status, duration_ms, summary, …}], error, config_file}.
 * `status` is ok | parity_failed | not_ready | error | interrupted; for the last two `error` has
 * the shape of the error document's (code, exit_code, message, hint, details), so a consumer
 * that reads errors one way reads apply's too. Each stage carries its command's own result:
 * up's document, the backfill's result (the `finish` event's fields), verify's report, and the
 * gate's {ready, missing}.
 */
import { toSnake } from '../text/json-line.js';
import { formatDryRun, formatResult } from '../backfill/output/format.js';
import { coderJson } from '../coder/report.js';
import { EXIT_CODES, errorJson } from '../errors.js';
import { dryRunJson, dryRunText, upJson, upText } from '../migrate/render.js';
import { formatSeconds } from '../text/format.js';
import type { ApplyPlan, ApplyResult, StageRecord } from './result.js';

export type ApplyStatus = 'ok' | 'parity_failed' | 'not_ready' | 'error' | 'interrupted';

export function applyStatus(result: Pick<ApplyResult, 'exitCode' | 'error'>): ApplyStatus {
  if (result.error) return result.error.code === 'INTERRUPTED' ? 'interrupted' : 'error';
  if (result.exitCode === EXIT_CODES.ok) return 'ok';
  return result.exitCode === EXIT_CODES.notReady ? 'not_ready' : 'parity_failed';
}

function stageJson(record: StageRecord) {
  const base = {
    stage: record.stage,
    status: record.status,
    duration_ms: record.durationMs === null ? null : Math.round(record.durationMs),
    summary: record.summary,
  };
  switch (record.stage) {
    case 'up':
      return { ...base, pending: record.pending, result: record.result && upJson(record.result) };
    case 'backfill': {
      const r = record.result;
      if (r === null) return { ...base, result: null };
      const { error, ...rest } = r as typeof r & { error?: Parameters<typeof errorJson>[0] };
      return { ...base, result: { ...(toSnake(rest) as object), ...(error ? { error: errorJson(error) } : {}) } };
    }
    case 'verify':
      return { ...base, report: record.report };
    case 'check':
      return { ...base, check: record.readiness && { ready: record.readiness.ready, missing: record.readiness.missing } };
  }
}

export function applyJson(result: ApplyResult) {
  return {
    status: applyStatus(result),
    command: 'apply',
    dry_run: false,
    exit_code: result.exitCode,
    database: result.database,
    elapsed_ms: Math.round(result.elapsedMs),
    coder_before: result.coderBefore && coderJson(result.coderBefore),
    stages: result.stages.map(stageJson),
    error: result.error && errorJson(result.error),
  };
}

const MARK: Record<StageRecord['status'], string> = {
  done: 'ok     ',
  skipped: 'skipped',
  failed: 'FAILED ',
  interrupted: 'STOPPED',
  not_run: 'not run',
};

/** One line per stage, then what the stages printed on their own (up's lines, the backfill's summary). */
export function applyText(result: ApplyResult): string {
  const lines: string[] = [];
  for (const record of result.stages) {
    if (record.stage === 'up' && record.result) lines.push(upText(record.result), '');
    if (record.stage === 'backfill' && record.result) lines.push(...formatResult(record.result), '');
  }
  lines.push(`apply on ${result.database}:`);
  for (const record of result.stages) {
    const took = record.durationMs === null ? '' : ` (${formatSeconds(record.durationMs)})`;
    lines.push(`  ${MARK[record.status]}  ${record.stage.padEnd(8)} ${record.summary}${took}`);
  }
  const status = applyStatus(result);
  lines.push(
    status === 'ok'
      ? `apply: converged in ${formatSeconds(result.elapsedMs)}: migrated, backfilled, parity holds, ready`
      : `apply: exit ${result.exitCode} (${status.replace('_', ' ')})`,
  );
  return lines.join('\n');
}

export function applyPlanJson(plan: ApplyPlan) {
  return {
    status: plan.error ? 'error' : 'ok',
    command: 'apply',
    dry_run: true,
    exit_code: plan.exitCode,
    database: plan.database,
    up: dryRunJson(plan.up),
    backfill: plan.backfill && toSnake(plan.backfill),
    error: plan.error && errorJson(plan.error),
  };
}

export function applyPlanText(plan: ApplyPlan): string {
  const lines = [
    `apply --dry-run on ${plan.database}: the plan; nothing was changed`,
    '',
    '1. up',
    dryRunText(plan.up)
      .split('\n')
      .map((l) => `   ${l}`)
      .join('\n'),
    '',
    '2. backfill',
  ];
  if (plan.backfill) lines.push(...formatDryRun(plan.backfill).map((l) => `   ${l}`));
  else lines.push(`   not previewed: ${plan.error?.message ?? 'up would fail first'}`);
  lines.push(
    '',
    '3. verify: row, count and totals parity, read-only (exit 1 if parity fails)',
    '4. check: the status --check gate (exit 9 unless migrated and backfilled with no eligible row left)',
  );
  return lines.join('\n');
}
