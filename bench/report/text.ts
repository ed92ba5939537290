/** The report as text for stdout: contenders, load, targets. Pure. */
import { headlineRows, type BenchReport, type ContenderRow, type ContenderSpread, type TargetCheck } from './model.js';
import { okIn, worstRound } from './rounds.js';
import { formatBytes, formatCount, formatMs, formatPercent, formatRate, formatRatio, renderTable } from './format.js';
import { replicaLines } from './replica.js';
import { slowTransactionLines } from './stalls.js';
import { SLOW_MS } from '../metrics/txn-sampler.js';

const WRITERS: readonly string[] = ['a', 'b', 'c', 'd'];

function targetLine(t: TargetCheck): string {
  const show = (v: number) => (t.unit === 'ms' ? formatMs(v) : t.unit === 'share' ? formatPercent(v) : formatRatio(v));
  const what = `${t.description} (${t.atLeast ? 'at least' : 'limit'} ${show(t.limit)})`;
  if (t.met === null || t.value === null || t.factor === null) return `  n/a     ${what}: ${t.why ?? 'not measured'}`;
  if (t.met) return `  met     ${what}: ${show(t.value)}`;
  return `  MISSED  ${what}: ${show(t.value)}, ${t.factor.toFixed(t.factor >= 10 ? 0 : 2)}× the limit`;
}

/** Full-page images: all, and heap / index when pg_walinspect told them apart; per heap page of the table before. */
function imageCells(c: ContenderRow, heapPages: number | undefined): [string, string] {
  const images = c.fullPageImages;
  if (!images) return ['—', '—'];
  const split = images.heap === null ? '' : ` (${formatCount(images.heap)} heap / ${formatCount(images.index ?? 0)} idx)`;
  return [`${formatCount(images.all)}${split}`, images.heap !== null && heapPages ? (images.heap / heapPages).toFixed(2) : '—'];
}

/** Server CPU per table row, in microseconds. */
function formatCpuPerRow(cpuMs: number | null, rows: number): string {
  return cpuMs === null || rows <= 0 ? '—' : `${((cpuMs * 1000) / rows).toFixed(2)} µs`;
}

function contenderCells(c: ContenderRow, columns: number, rows: number, heapPages: number | undefined): string[] {
  const name = `(${c.id}) ${c.label}`;
  // Nothing ran (e.g. the build failed): zeros would read as measurements.
  if (c.steps.length === 0) return [name, ...Array.from({ length: columns - 2 }, () => '—'), 'FAILED'];
  return [
    name,
    formatMs(c.wallMs),
    formatRatio(c.ratioToA),
    formatRate(c.rowsPerSecond),
    formatBytes(c.walBytes),
    formatBytes(c.heapBytesAfter),
    formatBytes(c.indexBytesAfter),
    formatCount(c.rowsUpdated),
    formatPercent(c.hotShare),
    ...imageCells(c, heapPages),
    c.checkpoints === null ? '—' : formatCount(c.checkpoints),
    `${formatCount(c.blocks.heapRead + c.blocks.indexRead)} / ${formatCount(c.blocks.heapHit + c.blocks.indexHit)}`,
    formatMs(c.longestTransaction.longestMs),
    formatMs(c.longestBatchMs),
    formatCpuPerRow(c.longestTransaction.backendCpuMs, rows),
    formatBytes(c.peakRssBytes),
    c.status === 'ok' ? 'ok' : 'FAILED',
  ];
}

function spreadCells(spread: ContenderSpread | undefined, which: 'toA' | 'toC'): [string, string] {
  const s = spread?.[which];
  return s ? [formatRatio(s.median), `${formatRatio(s.min)}–${formatRatio(s.max)}`] : ['—', '—'];
}

/** Round by round, each contender against the (a) and (c) measured beside it; then the median and the spread. */
function roundsTable(report: BenchReport): string {
  const others = report.spread.filter((s) => s.id !== 'a');
  const b = report.spread.find((s) => s.id === 'b');
  const aWalls = Array.from({ length: report.rounds }, (_, i) => okIn(report.contenders, 'a', i + 1));
  const header = ['round', 'order', '(a) wall', ...others.map((s) => `(${s.id}) ×(a)`), '(b) ×(c)'];
  const rows = aWalls.map((a, i) => [
    String(i + 1),
    [...new Set(report.contenders.filter((c) => c.round === i + 1 && ['a', 'b', 'c'].includes(c.id)).map((c) => c.id))].join(' '),
    a ? formatMs(a.wallMs) : '—',
    ...others.map((s) => formatRatio(s.ratiosToA[i] ?? null)),
    formatRatio(b?.ratiosToC[i] ?? null),
  ]);
  const median = ['median', '', '', ...others.map((s) => spreadCells(s, 'toA')[0]), spreadCells(b, 'toC')[0]];
  const range = ['min–max', '', '', ...others.map((s) => spreadCells(s, 'toA')[1]), spreadCells(b, 'toC')[1]];
  return renderTable(header, [...rows, median, range]);
}

export function renderText(report: BenchReport): string {
  const out: string[] = [];
  const d = report.dataset;
  out.push(
    `aibridge-migrate benchmark — ${d.shape ?? 'wide'} dataset, ${formatCount(d.rows)} rows (seed ${d.seed}; ${formatCount(d.rowsWithMetadata)} with metadata), ` +
      `table ${formatBytes(d.heapBytes)} heap (${formatCount(d.heapBytes / Math.max(1, d.rows))} B a row) + ${formatBytes(d.indexBytes)} indexes before`,
  );
  out.push(`${report.server.version.split(',')[0]} — ${report.server.description}`);
  if (report.regime) out.push(`Regime ${report.regime.id}: ${report.regime.description}`);
  out.push(
    `${report.machine.cpus} CPUs, load average ${report.machine.loadAverageAtStart.map((v) => v.toFixed(2)).join('/')} at start, ` +
      `${report.machine.loadAverageAtEnd.map((v) => v.toFixed(2)).join('/')} at end; Node ${report.machine.node}; ` +
      `runner peak RSS ${formatBytes(report.machine.runnerPeakRssBytes)}` +
      (report.cli.startupMs === null
        ? ''
        : `; CLI: ${report.cli.invocation} (start-up ${formatMs(report.cli.startupMs)}, counted in its wall times)`),
  );
  out.push('');
  const header = [
    'contender',
    'wall',
    '×(a)',
    'rows/s',
    'WAL',
    'heap after',
    'idx after',
    'rows upd.',
    'HOT',
    'full-page images',
    'FPI/heap pg',
    'ckpts',
    'blocks read / hit',
    'longest txn',
    'longest batch',
    'server CPU/row',
    'peak RSS',
    'status',
  ];
  // With several rounds each row is one real run: the round at the contender's median ratio to (a).
  const headline = headlineRows(report);
  const rows = headline.map((c) => contenderCells(c, header.length, d.rows, d.heapPages));
  out.push(renderTable(header, rows));
  const inRound = (c: ContenderRow) => (report.rounds > 1 ? ` in round ${c.round}` : '');
  for (const c of report.contenders.filter((c) => c.status !== 'ok'))
    out.push(`  (${c.id}) failed${inRound(c)}: ${c.error ?? 'unknown error'}`);
  if (report.rounds > 1) {
    out.push(
      `  each row is the round at the contender's median ratio to (a): ${headline.map((c) => `(${c.id}) round ${c.round}`).join(', ')}`,
    );
  }
  for (const c of headline.filter((c) => c.steps.length > 1)) {
    out.push(`  (${c.id}) steps: ${c.steps.map((s) => `${s.name} ${formatMs(s.wallMs)}`).join(' + ')}`);
  }
  for (const c of headline.filter((c) => c.steps.some((s) => s.cpuMs !== null))) {
    const cpu = c.steps.reduce((sum, s) => sum + (s.cpuMs ?? 0), 0);
    out.push(`  (${c.id}) toolkit process CPU ${formatMs(cpu)} of ${formatMs(c.wallMs)} wall`);
  }
  const measured = headline.filter((c) => c.steps.length > 0);
  if (measured.length > 0) {
    out.push(
      `  1-min load average before → after: ${measured.map((c) => `(${c.id}) ${c.loadAverage.map((v) => v.toFixed(1)).join('→')}`).join(', ')}`,
    );
  }
  for (const c of headline.filter((c) => c.longestTransaction.longestApplication)) {
    const query = c.longestTransaction.longestQuery
      ? `, last statement: ${c.longestTransaction.longestQuery.replace(/\s+/g, ' ').slice(0, 90)}`
      : '';
    out.push(
      `  (${c.id}) longest transaction: ${c.longestTransaction.longestApplication} (${formatCount(c.longestTransaction.transactionsSeen)} transactions sampled${query})`,
    );
    const t = c.longestTransaction;
    if (t.longestWritingMs > 0 && t.longestWritingMs < t.longestMs) {
      const writing = t.longestWritingQuery ? `, last statement: ${t.longestWritingQuery.replace(/\s+/g, ' ').slice(0, 60)}` : '';
      out.push(`  (${c.id}) longest transaction that wrote (held a transaction id): ${formatMs(t.longestWritingMs)}${writing}`);
    }
  }
  // Only contenders that write the columns are expected to agree; a dry run writes nothing.
  const sums = report.contenders.filter((c) => c.status === 'ok' && c.columnSums && WRITERS.includes(c.id));
  const reference = sums.find((c) => c.id === 'a') ?? sums[0];
  for (const c of sums) {
    if (
      reference &&
      c !== reference &&
      (c.columnSums!.read !== reference.columnSums!.read || c.columnSums!.write !== reference.columnSums!.write)
    ) {
      out.push(
        `  note: (${c.id})'s column sums differ from (${reference.id})'s: read ${c.columnSums!.read} vs ${reference.columnSums!.read}, write ${c.columnSums!.write} vs ${reference.columnSums!.write}`,
      );
    }
  }

  if (report.rounds > 1) {
    out.push('');
    out.push(
      `Rounds: the contenders alone ${report.rounds} times, side by side; each ratio is within its round (a shared machine drifts between rounds)`,
    );
    out.push(roundsTable(report));
    // The transaction limits are judged on the worst round, which the main table may not show.
    for (const id of ['b', 'd'] as const) {
      const worst = worstRound(report.contenders, id);
      if (!worst) continue;
      const t = worst.longestTransaction;
      const query = t.longestQuery ? ` (last statement: ${t.longestQuery.replace(/\s+/g, ' ').slice(0, 60)})` : '';
      out.push(
        `  (${id}) longest transaction over the rounds: ${formatMs(t.longestMs)} in round ${worst.round}${query}; longest batch ${formatMs(worst.longestBatchMs)}`,
      );
    }
  }

  // A transaction over the limit is told with what it waited on: a stall, or a batch too big.
  const slow = slowTransactionLines(report.contenders, ['b', 'd']);
  if (slow.length > 0) {
    out.push('', `Transactions seen open ${SLOW_MS} ms or longer, and what their backend did at each sighting (20 ms apart):`);
    out.push(...slow);
  }

  if (report.load) {
    out.push('');
    out.push(
      `Writer under load: ${report.load.writerRate} statements/s (alternating INSERT and UPDATE by primary key, ${report.load.poolSize} connections), ` +
        `latency measured from when each statement was due`,
    );
    const loadRows = report.load.runs.flatMap((run) => [
      [
        `idle before (${run.id})`,
        formatCount(run.idle.count),
        formatMs(run.idle.p50Ms),
        formatMs(run.idle.p99Ms),
        formatMs(run.idle.maxMs),
        formatCount(run.idle.errors),
        '',
        '',
      ],
      [
        `during (${run.id}) ${run.label}`,
        formatCount(run.during.count),
        formatMs(run.during.p50Ms),
        formatMs(run.during.p99Ms),
        formatMs(run.during.maxMs),
        formatCount(run.during.errors),
        formatMs(run.wallMs),
        run.status === 'ok' ? 'ok' : 'FAILED',
      ],
    ]);
    const base = report.load.idleBaseline;
    loadRows.push([
      'idle, all windows pooled',
      formatCount(base.count),
      formatMs(base.p50Ms),
      formatMs(base.p99Ms),
      formatMs(base.maxMs),
      '',
      '',
      '',
    ]);
    out.push(renderTable(['window', 'statements', 'p50', 'p99', 'max', 'errors', 'contender wall', 'status'], loadRows));
    for (const run of report.load.runs.filter((r) => r.status !== 'ok'))
      out.push(`  (${run.id}) under load failed: ${run.error ?? 'unknown error'}`);
    for (const run of report.load.runs.filter((r) => r.writerFirstError))
      out.push(`  writer error during (${run.id}): ${run.writerFirstError}`);
  }

  out.push(...replicaLines(report.replica));

  out.push('');
  out.push(
    report.rounds > 1
      ? `Targets (goals, reported not asserted; ratios are the median of the ${report.rounds} rounds, transaction lengths the worst round):`
      : 'Targets (goals, reported not asserted):',
  );
  for (const t of report.targets) out.push(targetLine(t));
  if (report.notes.length > 0) {
    out.push('');
    for (const note of report.notes) out.push(`note: ${note}`);
  }
  return out.join('\n');
}
