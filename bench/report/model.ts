/**
 * The benchmark's result as plain data, and the targets judged against it. Pure:
 * everything here is computed from measurements, nothing is measured here. Targets are
 * reported, never asserted.
 */
import type { LoadedRun } from '../load.js';
import type { Measurement } from '../measure.js';
import type { ContenderId } from '../options.js';
import type { RegimeId } from '../regimes.js';
import type { LatencySummary } from '../stats.js';
import type { ReplicaReport } from './replica.js';
import { okIn, ratiosByRound, representative, roundNumbers, spreadOf, worstRound, type Quantity, type Spread } from './rounds.js';

export interface ContenderRow extends Measurement {
  /** wall / wall of (a) in the same round; null without a successful (a) in that round. */
  ratioToA: number | null;
}

/** A contender across the rounds: its wall against (a) and against the set-based floor (c), round by round. */
export interface ContenderSpread {
  id: ContenderId;
  /** One entry per round, in round order. */
  ratiosToA: (number | null)[];
  toA: Spread | null;
  ratiosToC: (number | null)[];
  toC: Spread | null;
}

export interface TargetCheck {
  id: string;
  description: string;
  /** The measured figure: a ratio, a share (0–1) for `unit: 'share'`, or milliseconds for `unit: 'ms'`. */
  value: number | null;
  limit: number;
  unit: 'x' | 'ms' | 'share';
  /** The limit is a floor (met when value ≥ limit), not a ceiling. */
  atLeast?: boolean;
  /** null: not measurable in this run (a contender missing or failed). */
  met: boolean | null;
  /** value / limit: how far under (< 1) or over (> 1) the limit. */
  factor: number | null;
  why: string | null;
}

export interface BenchReport {
  schemaVersion: 1;
  /** The server regime the contenders ran in (regimes.ts); reports written before regimes have none. */
  regime?: { id: RegimeId; description: string; backfillArgs: string[] };
  /** How many rounds of the contenders ran alone (--rounds); 1 for reports written before rounds existed. */
  rounds: number;
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
    /** Pages of the heap before any contender (reports written before regimes lack it). */
    heapPages?: number;
    rowsWithMetadata: number;
    generateMs: number;
  };
  cli: { invocation: string; startupMs: number | null; build: string };
  /** Every measurement of every round. */
  contenders: ContenderRow[];
  /** Per contender, its ratios round by round and their spread (empty with one round). */
  spread: ContenderSpread[];
  load: {
    writerRate: number;
    idleSeconds: number;
    poolSize: number;
    /** Every idle window pooled: more samples make a steadier p99 to compare against. */
    idleBaseline: LatencySummary;
    runs: LoadedRun[];
  } | null;
  /** --replica: the streaming standby's lag per contender; absent or null without one. */
  replica?: ReplicaReport | null;
  /** (b)'s per-batch events: [ms since the backfill started, batch ms, rows scanned, rows updated]. */
  toolkitBatches: [number, number, number | null, number | null][];
  targets: TargetCheck[];
  notes: string[];
}

export type ReportInput = Omit<BenchReport, 'schemaVersion' | 'rounds' | 'contenders' | 'spread' | 'targets'> & {
  measurements: Measurement[];
};

/** The median within-round ratio of `numerator` to `denominator` (report/rounds.ts says why within a round). */
function medianRatio(measurements: readonly Measurement[], numerator: ContenderId, denominator: ContenderId, quantity?: Quantity) {
  return spreadOf(ratiosByRound(measurements, numerator, denominator, quantity))?.median ?? null;
}

/** The worst of every round: a transaction limit holds only if it held each time. */
function longestOf(measurements: readonly Measurement[], id: ContenderId): number | null {
  return worstRound(measurements, id)?.longestTransaction.longestMs ?? null;
}

function check(
  id: string,
  description: string,
  value: number | null,
  limit: number,
  unit: TargetCheck['unit'],
  why: string | null,
  atLeast = false,
): TargetCheck {
  return {
    id,
    description,
    value,
    limit,
    unit,
    ...(atLeast ? { atLeast } : {}),
    met: value === null ? null : atLeast ? value >= limit : value <= limit,
    factor: value === null ? null : value / limit,
    why: value === null ? why : null,
  };
}

/** The median within-round share of (b)'s updates that were HOT. */
function medianHotShare(measurements: readonly Measurement[]): number | null {
  const shares = measurements.filter((m) => m.id === 'b' && m.status === 'ok' && m.hotShare !== null).map((m) => m.hotShare!);
  return shares.length === 0 ? null : shares.sort((x, y) => x - y)[Math.floor((shares.length - 1) / 2)]!;
}

/** The median of (b)'s heap full-page images per heap page of the table before the run. */
function medianImagesPerPage(measurements: readonly Measurement[], heapPages: number | undefined): number | null {
  if (!heapPages) return null;
  const per = measurements
    .filter((m) => m.id === 'b' && m.status === 'ok' && m.fullPageImages?.heap != null)
    .map((m) => m.fullPageImages!.heap! / heapPages);
  return per.length === 0 ? null : per.sort((x, y) => x - y)[Math.floor((per.length - 1) / 2)]!;
}

/**
 * The targets of a regime (regimes.ts): in every regime (b) writes at most half of upstream's
 * WAL, keeps its updates HOT and its transactions short; without checkpoints it is also faster
 * than upstream by a quarter, and re-run and verify are cheap; with checkpoints every heap page
 * is imaged about once per pass.
 */
export function judgeTargets(
  measurements: readonly Measurement[],
  load: BenchReport['load'],
  regime: RegimeId = 'default',
  heapPages?: number,
): TargetCheck[] {
  const missing = (...ids: ContenderId[]) => {
    const reasons = ids
      .filter((id) => !measurements.some((m) => m.id === id && m.status === 'ok'))
      .map((id) => `(${id}) ${measurements.some((m) => m.id === id) ? 'failed' : 'was not run'}`);
    return reasons.length > 0 ? reasons.join(', ') : null;
  };
  const loadedB = load?.runs.find((r) => r.id === 'b' && r.status === 'ok');
  const idleP99 = load?.idleBaseline.p99Ms;
  const p99Ratio = loadedB && loadedB.during.p99Ms !== null && idleP99 ? loadedB.during.p99Ms / idleP99 : null;
  const everyRegime = [
    check(
      'b-wal',
      '(b) WAL vs (a)',
      medianRatio(measurements, 'b', 'a', (m) => m.walBytes),
      0.5,
      'x',
      missing('a', 'b'),
    ),
    check('b-longest-transaction', '(b) longest single transaction', longestOf(measurements, 'b'), 250, 'ms', missing('b')),
    check('b-hot', '(b) share of its updates that were HOT', medianHotShare(measurements), 0.8, 'share', missing('b'), true),
    check(
      'b-heap',
      '(b) heap after vs (a) heap after',
      medianRatio(measurements, 'b', 'a', (m) => m.heapBytesAfter),
      0.6,
      'x',
      missing('a', 'b'),
    ),
  ];
  if (regime === 'default') {
    return [
      check('b-wall', '(b) wall time vs (a)', medianRatio(measurements, 'b', 'a'), 0.75, 'x', missing('a', 'b')),
      ...everyRegime,
      check('d-longest-transaction', '(d) longest single transaction', longestOf(measurements, 'd'), 250, 'ms', missing('d')),
      check('d-wall', '(d) re-run wall time vs (a)', medianRatio(measurements, 'd', 'a'), 0.05, 'x', missing('a', 'd')),
      check('e-wall', '(e) verify wall time vs (a)', medianRatio(measurements, 'e', 'a'), 0.1, 'x', missing('a', 'e')),
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
  const images = check(
    'b-images-per-page',
    '(b) heap full-page images per heap page',
    medianImagesPerPage(measurements, heapPages),
    1.2,
    'x',
    missing('b') ?? 'no per-kind image count (pg_walinspect needs PostgreSQL 15+)',
  );
  if (regime === 'checkpoint-dense') {
    return [
      check('b-wall', '(b) wall time vs (a)', medianRatio(measurements, 'b', 'a'), 0.9, 'x', missing('a', 'b')),
      ...everyRegime,
      images,
    ];
  }
  return [...everyRegime, images];
}

export function buildReport(input: ReportInput): BenchReport {
  const { measurements, ...rest } = input;
  const rounds = roundNumbers(measurements);
  const ids = [...new Set(measurements.map((m) => m.id))];
  return {
    schemaVersion: 1,
    rounds: rounds.length,
    ...rest,
    contenders: measurements.map((m) => {
      const a = okIn(measurements, 'a', m.round);
      return { ...m, ratioToA: m.status === 'ok' && a && a.wallMs > 0 ? m.wallMs / a.wallMs : null };
    }),
    spread:
      rounds.length < 2
        ? []
        : ids.map((id) => {
            const ratiosToA = ratiosByRound(measurements, id, 'a');
            const ratiosToC = ratiosByRound(measurements, id, 'c');
            return { id, ratiosToA, toA: spreadOf(ratiosToA), ratiosToC, toC: spreadOf(ratiosToC) };
          }),
    targets: judgeTargets(measurements, input.load, input.regime?.id, input.dataset.heapPages),
  };
}

/** One row per contender for the main table: with several rounds, the round at its median ratio. */
export function headlineRows(report: BenchReport): ContenderRow[] {
  if (report.rounds < 2) return report.contenders;
  const ids = [...new Set(report.contenders.map((c) => c.id))];
  return ids.flatMap((id) => representative(report.contenders, id) ?? []);
}
