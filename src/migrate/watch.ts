/**
 * `status --watch`: one frame per look at the ledger — the run's percent, rows left, run-wide
 * rate and ETA (from the rows the pass gained between two looks, every process together), each
 * process and its lanes, and whether it is paused or throttled. Pure: the caller passes the
 * run as `status` read it, the previous look and the time.
 */
import type { BackfillRunSummary } from './status.js';
import { formatCount, formatDuration } from '../text/format.js';
import { etaMs } from '../backfill/policy/estimate.js';

export interface WatchSample {
  runId: number;
  pass: number;
  passScanned: number;
  at: number;
}

export interface WatchFrame {
  runId: number;
  direction: string;
  status: string;
  state: 'running' | 'paused' | 'cancel_requested';
  maxRowsPerSecond: number | null;
  targetBatchMs: number | null;
  pass: number | null;
  percent: number | null;
  estimatedRows: number | null;
  rowsRemaining: number | null;
  /** Rows per second of the whole run between the last two looks; null until two looks of one pass. */
  rowsPerSecond: number | null;
  etaMs: number | null;
  processes: { host: string | null; pid: number | null; mode: string; lanes: { lane: number; rangeNo: number }[] }[];
  sample: WatchSample | null;
}

const LANE = /^(.*) pid (\d+) lane (\d+)$/;

export function watchFrame(run: BackfillRunSummary, previous: WatchSample | null, now: number): WatchFrame {
  const p = run.progress;
  const passScanned = p ? Math.max(0, p.estimatedRows - p.rowsRemaining) : null;
  const sample = p && passScanned !== null ? { runId: run.id, pass: p.pass, passScanned, at: now } : null;
  let rate: number | null = null;
  if (sample && previous && previous.runId === sample.runId && previous.pass === sample.pass && sample.at > previous.at) {
    rate = Math.max(0, Math.round(((sample.passScanned - previous.passScanned) * 1000) / (sample.at - previous.at)));
  }
  // One entry per process: a --workers process holds the run lock on each lane's session and on
  // its coordinating one (which owns no range, so names no host).
  const named = run.holders.filter((h) => h.host !== null || h.pid !== null);
  const seen = new Set<string>();
  const unique = (named.length > 0 ? named : run.holders).filter((h) => {
    const key = `${h.host} ${h.pid} ${h.mode}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const processes = unique.map((h) => ({
    host: h.host,
    pid: h.pid,
    mode: h.mode === 'exclusive' ? 'runner' : 'workers',
    lanes: (p?.claims ?? [])
      .filter((c) => c.held)
      .map((c) => ({ match: LANE.exec(c.claimedBy), rangeNo: c.rangeNo }))
      .filter(({ match }) => match !== null && match[1] === h.host && Number(match[2]) === h.pid)
      .map(({ match, rangeNo }) => ({ lane: Number(match![3]), rangeNo }))
      .sort((a, b) => a.lane - b.lane),
  }));
  return {
    runId: run.id,
    direction: run.direction,
    status: run.status,
    state: run.control?.state ?? 'running',
    maxRowsPerSecond: run.control?.maxRowsPerSecond ?? null,
    targetBatchMs: run.control?.targetBatchMs ?? null,
    pass: p?.pass ?? null,
    percent: p ? Math.floor(p.fraction * 100) : run.status === 'completed' ? 100 : null,
    estimatedRows: p?.estimatedRows ?? null,
    rowsRemaining: p?.rowsRemaining ?? (run.status === 'completed' ? 0 : null),
    rowsPerSecond: rate,
    etaMs: rate !== null && p ? etaMs(p.rowsRemaining, rate) : null,
    processes,
    sample,
  };
}

export function watchText(frame: WatchFrame): string[] {
  const state =
    frame.state === 'paused'
      ? 'PAUSED'
      : frame.state === 'cancel_requested'
        ? 'CANCEL REQUESTED'
        : frame.maxRowsPerSecond !== null || frame.targetBatchMs !== null
          ? 'throttled'
          : null;
  const limits = [
    frame.maxRowsPerSecond === null ? null : `at most ${formatCount(frame.maxRowsPerSecond)} rows/s per process`,
    frame.targetBatchMs === null ? null : `batches aimed at ${frame.targetBatchMs} ms`,
  ].filter(Boolean);
  const head = [
    `${frame.direction} run #${frame.runId} ${frame.status}${state ? ` · ${state}` : ''}`,
    frame.percent === null
      ? null
      : `${frame.percent}%${frame.pass === null ? '' : frame.pass === 0 ? ' of the first pass' : ` of sweep ${frame.pass}`}`,
    frame.rowsRemaining === null ? null : `~${formatCount(frame.rowsRemaining)} rows left`,
    `${frame.rowsPerSecond === null ? '?' : formatCount(frame.rowsPerSecond)} rows/s (run-wide)`,
    `ETA ${formatDuration(frame.etaMs)}`,
  ].filter(Boolean);
  const lines = [head.join(' · ')];
  if (limits.length > 0) lines.push(`  throttled: ${limits.join(', ')}`);
  for (const proc of frame.processes) {
    const lanes = proc.lanes.map((l) => `lane ${l.lane} on range ${l.rangeNo}`).join(', ');
    lines.push(`  ${proc.host ?? '?'} pid ${proc.pid ?? '?'} (${proc.mode})${lanes ? `: ${lanes}` : ''}`);
  }
  if (frame.processes.length === 0 && frame.status !== 'completed') lines.push('  no process is working it');
  return lines;
}

export function watchJson(frame: WatchFrame, time: Date): Record<string, unknown> {
  return {
    event: 'status',
    time: time.toISOString(),
    run_id: frame.runId,
    direction: frame.direction,
    status: frame.status,
    control: { state: frame.state, max_rows_per_second: frame.maxRowsPerSecond, target_batch_ms: frame.targetBatchMs },
    pass: frame.pass,
    percent: frame.percent,
    estimated_rows: frame.estimatedRows,
    rows_remaining: frame.rowsRemaining,
    rows_per_second: frame.rowsPerSecond,
    eta_ms: frame.etaMs,
    processes: frame.processes.map((p) => ({
      host: p.host,
      pid: p.pid,
      mode: p.mode,
      lanes: p.lanes.map((l) => ({ lane: l.lane, range_no: l.rangeNo })),
    })),
  };
}
