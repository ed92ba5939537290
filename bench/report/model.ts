/**
 * The benchmark's result as plain data, and the targets judged against it. Pure:
 * everything here is computed from measurements, nothing is measured here. Targets are
 * reported, never asserted.
 */
import type { LoadedRun } from '../load.js';
import type { Measurement } from '../measure.js';
import type { ContenderId } from '../options.js';
import type { LatencySummary } from '../stats.js';

export interface ContenderRow extends Measurement {
  /** wall / wall of (a); null without a successful (a). */
  ratioToA: number | null;
}

export interface TargetCheck {
  id: string;
  description: string;
  /** The measured figure: a ratio, or milliseconds for `unit: 'ms'`. */
  value: number | null;
  limit: number;
  unit: 'x' | 'ms';
  /** null: not measurable in this run (a contender missing or failed). */
  met: boolean | null;
  /** value / limit: how far under (< 1) or over (> 1) the limit. */
  factor: number | null;
  why: string | null;
}

export interface BenchReport {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  command: string;
  git: { commit: string | null; dirty: boolean | null };
  machine: {
    cpus: number;
    totalMemoryBytes: number;
    node: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
    /** Peak RSS of the benchmark runner itself (it must stay flat as --rows grows). */
    runnerPeakRssBytes: number;
  };
  server: { description: string; version: string; settings: Record<string, string> };
  dataset: {
    shape: string;
    rows: number;
    seed: number;
    heapBytes: number;
    indexBytes: number;
    rowsWithMetadata: number;
    generateMs: number;
  };
  cli: { invocation: string; startupMs: number | null; build: string };
  contenders: ContenderRow[];
  load: {
    writerRate: number;
    idleSeconds: number;
    poolSize: number;
    /** Every idle window pooled: more samples make a steadier p99 to compare against. */
    idleBaseline: LatencySummary;
    runs: LoadedRun[];
  } | null;
  /** (b)'s per-batch events: [ms since the backfill started, batch ms, rows scanned, rows updated]. */
  toolkitBatches: [number, number, number | null, number | null][];
  targets: TargetCheck[];
  notes: string[];
}

export type ReportInput = Omit<BenchReport, 'schemaVersion' | 'contenders' | 'targets'> & { measurements: Measurement[] };

function ok(rows: readonly Measurement[], id: ContenderId): Measurement | undefined {
  return rows.find((m) => m.id === id && m.status === 'ok');
}

function ratio(numerator: number | undefined, denominator: number | undefined): number | null {
  if (numerator === undefined || denominator === undefined || denominator <= 0) return null;
  return numerator / denominator;
}

function check(
  id: string,
  description: string,
  value: number | null,
  limit: number,
  unit: TargetCheck['unit'],
  why: string | null,
): TargetCheck {
  return {
    id,
    description,
    value,
    limit,
    unit,
    met: value === null ? null : value <= limit,
    factor: value === null ? null : value / limit,
    why: value === null ? why : null,
  };
}

export function judgeTargets(measurements: readonly Measurement[], load: BenchReport['load']): TargetCheck[] {
  const a = ok(measurements, 'a');
  const b = ok(measurements, 'b');
  const d = ok(measurements, 'd');
  const e = ok(measurements, 'e');
  const missing = (...ids: [ContenderId, Measurement | undefined][]) => {
    const reasons = ids.filter(([, m]) => !m).map(([id]) => `(${id}) ${measurements.some((m) => m.id === id) ? 'failed' : 'was not run'}`);
    return reasons.length > 0 ? reasons.join(', ') : null;
  };
  const loadedB = load?.runs.find((r) => r.id === 'b' && r.status === 'ok');
  const idleP99 = load?.idleBaseline.p99Ms;
  const p99Ratio = loadedB && loadedB.during.p99Ms !== null && idleP99 ? loadedB.during.p99Ms / idleP99 : null;
  return [
    check('b-wall', '(b) wall time vs (a)', ratio(b?.wallMs, a?.wallMs), 0.75, 'x', missing(['a', a], ['b', b])),
    check(
      'b-longest-transaction',
      '(b) longest single transaction',
      b ? b.longestTransaction.longestMs : null,
      250,
      'ms',
      missing(['b', b]),
    ),
    check(
      'd-longest-transaction',
      '(d) longest single transaction',
      d ? d.longestTransaction.longestMs : null,
      250,
      'ms',
      missing(['d', d]),
    ),
    check('b-wal', '(b) WAL vs (a)', ratio(b?.walBytes, a?.walBytes), 0.6, 'x', missing(['a', a], ['b', b])),
    check('b-heap', '(b) heap after vs (a) heap after', ratio(b?.heapBytesAfter, a?.heapBytesAfter), 0.6, 'x', missing(['a', a], ['b', b])),
    check('d-wall', '(d) re-run wall time vs (a)', ratio(d?.wallMs, a?.wallMs), 0.05, 'x', missing(['a', a], ['d', d])),
    check('e-wall', '(e) verify wall time vs (a)', ratio(e?.wallMs, a?.wallMs), 0.1, 'x', missing(['a', a], ['e', e])),
    check(
      'writer-p99',
      'writer p99 during (b) vs idle p99 (all idle windows)',
      p99Ratio,
      2,
      'x',
      !load ? 'the load phase was skipped' : load.runs.some((r) => r.id === 'b') ? '(b) under load failed' : '(b) under load was not run',
    ),
  ];
}

export function buildReport(input: ReportInput): BenchReport {
  const { measurements, ...rest } = input;
  const a = ok(measurements, 'a');
  return {
    schemaVersion: 1,
    ...rest,
    contenders: measurements.map((m) => ({ ...m, ratioToA: m.status === 'ok' ? ratio(m.wallMs, a?.wallMs) : null })),
    targets: judgeTargets(measurements, input.load),
  };
}
