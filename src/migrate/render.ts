/**
 * What `up`, `down` and `status` print: a JSON document (--json, the shape documented in
 * docs/commands.md) or text for people. Pure functions of the results.
 */
import { coderDetectedLines, coderJson, coderLines } from '../coder/report.js';
import { errorJson } from '../errors.js';
import { formatCount } from '../text/format.js';
import type { DownResult } from './down.js';
import type { DryRunResult, RecordedStatement } from './dry-run.js';
import { lockWaitJson } from './lock-retry.js';
import type { PreflightCheck } from './preflight.js';
import type { BackfillRunSummary, StatusResult } from './status.js';
import type { UpResult } from './up.js';

const ms = (value: number | null) => (value === null ? null : Math.round(value));

function checkJson(c: PreflightCheck) {
  return c.ok ? { check: c.check, ok: true, detail: c.detail } : { check: c.check, ok: false, problem: c.problem, fix: c.fix };
}

export function upJson(r: UpResult) {
  return {
    status: 'ok',
    command: 'up',
    dry_run: false,
    database: r.database,
    nothing_pending: r.applied.length === 0,
    applied: r.applied.map((m) => ({ name: m.name, description: m.description, duration_ms: ms(m.durationMs) })),
    already_applied: r.alreadyApplied,
    coder: coderJson(r.coder),
    preflight: r.preflight.map(checkJson),
    attempts: r.attempts,
    lock_waits: r.lockWaits.map(lockWaitJson),
    elapsed_ms: ms(r.elapsedMs),
  };
}

export function dryRunJson(r: DryRunResult) {
  return {
    status: r.failure ? 'failed' : 'ok',
    command: 'up',
    dry_run: true,
    database: r.database,
    preflight: r.preflight.map(checkJson),
    already_applied: r.alreadyApplied,
    bookkeeping_table_exists: r.bookkeepingTableExists,
    bookkeeping_sql: r.bookkeeping.map(statementText),
    pending: r.pending.map((m) => ({ name: m.name, description: m.description, sql: m.statements.map(statementText) })),
    coder: coderJson(r.coder),
    error: r.failure ? errorJson(r.failure) : null,
  };
}

export function downJson(r: DownResult) {
  return {
    status: 'ok',
    command: 'down',
    database: r.database,
    reverted: r.reverted ? { name: r.reverted.name, description: r.reverted.description, duration_ms: ms(r.reverted.durationMs) } : null,
    still_applied: r.stillApplied,
    coder: coderJson(r.coder),
    preflight: r.preflight.map(checkJson),
    attempts: r.attempts,
    lock_waits: r.lockWaits.map(lockWaitJson),
    elapsed_ms: ms(r.elapsedMs),
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function runJson(run: BackfillRunSummary) {
  const p = run.progress;
  return {
    id: run.id,
    direction: run.direction,
    status: run.status,
    started_at: run.startedAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    finished_at: iso(run.finishedAt),
    rows_scanned: run.rowsScanned,
    rows_updated: run.rowsUpdated,
    unconverged_rows: run.unconvergedRows,
    last_error: run.lastError,
    progress: p && {
      pass: p.pass,
      percent: Math.floor(p.fraction * 100),
      estimated_rows: p.estimatedRows,
      rows_remaining: p.rowsRemaining,
      rows_per_second: p.rowsPerSecond,
      ranges: p.ranges,
      claims: p.claims.map((c) => ({
        range_no: c.rangeNo,
        pass: c.pass,
        claimed_by: c.claimedBy,
        claimed_at: iso(c.claimedAt),
        held: c.held,
      })),
    },
    waiting: run.waiting && {
      cause: run.waiting.cause,
      detail: run.waiting.detail,
      since: run.waiting.since.toISOString(),
      standby: run.waiting.standby,
      replay_lag_ms: run.waiting.replayLagMs,
      lag_bytes: run.waiting.lagBytes,
      measured_at: run.waiting.measuredAt.toISOString(),
    },
    control: run.control && {
      state: run.control.state,
      max_rows_per_second: run.control.maxRowsPerSecond,
      target_batch_ms: run.control.targetBatchMs,
    },
    control_log: run.controlLog.map((e) => ({
      at: e.at.toISOString(),
      command: e.command,
      role: e.role,
      host: e.host,
      pid: e.pid,
      client_addr: e.clientAddr,
      state: e.control.state,
      max_rows_per_second: e.control.maxRowsPerSecond,
      target_batch_ms: e.control.targetBatchMs,
    })),
    holders: run.holders.map((h) => ({
      host: h.host,
      pid: h.pid,
      since: iso(h.since),
      mode: h.mode,
      backend_pid: h.backendPid,
      client_addr: h.clientAddr,
      application_name: h.applicationName,
    })),
  };
}

export function statusJson(r: StatusResult) {
  return {
    status: 'ok',
    command: 'status',
    database: r.database,
    server: { version: r.server.version.text, version_num: r.server.version.num, support: r.server.support, warning: r.server.warning },
    migrations_table: r.migrationsTable,
    migrations_table_exists: r.migrationsTableExists,
    applied: r.applied.map((m) => ({ name: m.name, description: m.description, run_on: m.runOn.toISOString() })),
    pending: r.pending.map((m) => ({ name: m.name, description: m.description })),
    backfill: r.backfill && { ledger: r.backfill.ledger, latest_runs: r.backfill.latestRuns.map(runJson) },
    check: { ready: r.readiness.ready, missing: r.readiness.missing },
    coder: coderJson(r.coder),
  };
}

/** A statement as runnable SQL; bound values shown as a trailing comment. */
export function statementText(s: RecordedStatement): string {
  const sql = s.sql.replace(/;?\s*$/, ';');
  if (s.values.length === 0) return sql;
  return `${sql} -- ${s.values.map((v, i) => `$${i + 1} = ${JSON.stringify(v)}`).join(', ')}`;
}

function checkLines(checks: readonly PreflightCheck[], prefix: string): string[] {
  return checks.map((c) => (c.ok ? `${prefix}ok    ${c.check}: ${c.detail}` : `${prefix}FAIL  ${c.check}: ${c.problem} Fix: ${c.fix}`));
}

export function upText(r: UpResult): string {
  if (r.applied.length === 0)
    return [
      `nothing to apply: ${r.alreadyApplied.length} migration(s) already applied on ${r.database}`,
      ...coderDetectedLines(r.coder),
    ].join('\n');
  const lines = [`applied ${r.applied.length} migration(s) on ${r.database} in ${(r.elapsedMs / 1000).toFixed(1)} s:`];
  for (const m of r.applied) lines.push(`  ${m.name}  ${m.description}${m.durationMs !== null ? ` (${Math.round(m.durationMs)} ms)` : ''}`);
  if (r.lockWaits.length > 0) lines.push(`lock waits: ${r.lockWaits.length} (succeeded on attempt ${r.attempts})`);
  lines.push(...coderDetectedLines(r.coder));
  return lines.join('\n');
}

export function dryRunText(r: DryRunResult): string {
  const lines = [
    `-- aibridge-migrate up --dry-run on ${r.database}: nothing was changed, no lock was taken`,
    ...coderLines(r.coder, '-- '),
    '-- preflight:',
  ];
  lines.push(...checkLines(r.preflight, '--   '));
  if (r.pending.length === 0 && !r.failure) {
    lines.push(`-- nothing to apply: ${r.alreadyApplied.length} migration(s) already applied`);
    return lines.join('\n');
  }
  if (r.bookkeeping.length > 0) lines.push('', '-- node-pg-migrate creates its bookkeeping table:', ...r.bookkeeping.map(statementText));
  for (const m of r.pending) {
    lines.push('', `-- ${m.name}: ${m.description}`, 'BEGIN;', ...m.statements.map(statementText), 'COMMIT;');
  }
  if (r.failure) lines.push('', `-- up would fail here: ${r.failure.message.replace(/\n/g, '\n-- ')}`);
  return lines.join('\n');
}

export function downText(r: DownResult): string {
  if (!r.reverted) return [`nothing to revert on ${r.database}`, ...coderDetectedLines(r.coder)].join('\n');
  return [
    `reverted ${r.reverted.name} (${r.reverted.description}) on ${r.database}; still applied: ${r.stillApplied.length ? r.stillApplied.join(', ') : 'none'}`,
    ...coderDetectedLines(r.coder),
  ].join('\n');
}

function runLines(run: BackfillRunSummary): string[] {
  const lines = [
    `backfill ${run.direction}: run ${run.id} ${run.status}, started ${run.startedAt.toISOString()}${run.finishedAt ? `, finished ${run.finishedAt.toISOString()}` : `, last checkpoint ${run.updatedAt.toISOString()}`}, ${run.rowsScanned} rows scanned, ${run.rowsUpdated} updated${
      run.unconvergedRows ? `, ${run.unconvergedRows} eligible rows left` : ''
    }${run.lastError ? `, last error: ${run.lastError}` : ''}`,
  ];
  const c = run.control;
  if (c && (c.state !== 'running' || c.maxRowsPerSecond !== null || c.targetBatchMs !== null)) {
    const limits = [
      c.maxRowsPerSecond === null ? null : `at most ${formatCount(c.maxRowsPerSecond)} rows/s per process`,
      c.targetBatchMs === null ? null : `batches aimed at ${c.targetBatchMs} ms`,
    ].filter(Boolean);
    lines.push(
      `  control: ${c.state === 'cancel_requested' ? 'cancel requested' : c.state}${limits.length > 0 ? `; throttled: ${limits.join(', ')}` : ''}`,
    );
  }
  for (const e of run.controlLog) {
    const values = [
      e.control.maxRowsPerSecond === null ? null : `max-rows-per-second ${e.control.maxRowsPerSecond}`,
      e.control.targetBatchMs === null ? null : `target-batch-ms ${e.control.targetBatchMs}`,
    ].filter(Boolean);
    lines.push(
      `  ${e.at.toISOString()}  ${e.command.replace('_', ' ')} by ${e.role}${e.host ? ` on ${e.host}` : ''}${e.pid !== null ? ` pid ${e.pid}` : ''}${
        e.clientAddr ? ` from ${e.clientAddr}` : ''
      }${e.command === 'throttle' ? ` (${values.length > 0 ? values.join(', ') : 'overrides removed'})` : ''}`,
    );
  }
  const p = run.progress;
  if (p) {
    lines.push(
      `  progress: ${Math.floor(p.fraction * 100)}% of ${p.pass === 0 ? 'the first pass' : `convergence sweep ${p.pass}`}, ~${formatCount(p.rowsRemaining)} rows remaining (estimate, of ~${formatCount(p.estimatedRows)}), ${
        p.rowsPerSecond === null ? 'no batch yet' : `${formatCount(p.rowsPerSecond)} rows/s of batch time`
      }${p.ranges.total > 1 ? `, ${p.ranges.done}/${p.ranges.total} ranges done` : ''}`,
    );
  }
  if (run.waiting) {
    lines.push(
      `  waiting since ${run.waiting.since.toISOString()}: ${run.waiting.detail} (measured ${run.waiting.measuredAt.toISOString()})`,
    );
  }
  if (run.holders.length > 0) {
    for (const h of run.holders) {
      const who =
        h.host !== null || h.pid !== null ? `${h.host ?? '?'} pid ${h.pid ?? '?'}` : 'a workers process (its coordinating session)';
      lines.push(
        `  held by ${who}${h.since ? ` since ${h.since.toISOString()}` : ''} (${h.mode === 'exclusive' ? 'runner' : 'worker'}; database session ${h.backendPid}${h.clientAddr ? ` from ${h.clientAddr}` : ''})`,
      );
    }
  } else if (p) {
    lines.push(`  no process is working it: run \`aibridge-migrate backfill\` to resume it`);
  }
  return lines;
}

export function statusText(r: StatusResult): string {
  const lines = [
    `migrations on ${r.database} (bookkeeping table ${r.migrationsTable}${r.migrationsTableExists ? '' : ', not created yet'}):`,
  ];
  for (const m of r.applied)
    lines.push(`  applied  ${m.runOn.toISOString()}  ${m.name}  ${m.description ?? '(not shipped by this version)'}`);
  for (const m of r.pending) lines.push(`  pending  ${' '.repeat(24)}  ${m.name}  ${m.description}`);
  if (r.applied.length === 0 && r.pending.length === 0) lines.push('  (none)');
  if (r.backfill === null) lines.push('backfill: ledger not created yet (run `aibridge-migrate up`)');
  else if (r.backfill.latestRuns.length === 0) lines.push('backfill: no run yet');
  else for (const run of r.backfill.latestRuns) lines.push(...runLines(run));
  lines.push(...coderLines(r.coder));
  return lines.join('\n');
}
