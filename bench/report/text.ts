/** The report as text for stdout: contenders, load, targets. Pure. */
import type { BenchReport, TargetCheck } from './model.js';
import { formatBytes, formatCount, formatMs, formatPercent, formatRate, formatRatio, renderTable } from './format.js';

function targetLine(t: TargetCheck): string {
  const show = (v: number) => (t.unit === 'ms' ? formatMs(v) : formatRatio(v));
  if (t.met === null || t.value === null || t.factor === null) return `  n/a     ${t.description} ≤ ${show(t.limit)}: ${t.why ?? 'not measured'}`;
  const verdict = t.met ? 'met   ' : 'MISSED';
  const by = t.met ? `${((1 - t.factor) * 100).toFixed(0)}% under the limit` : `${((t.factor - 1) * 100).toFixed(0)}% over the limit`;
  return `  ${verdict}  ${t.description}: ${show(t.value)} (limit ${show(t.limit)}; ${t.factor.toFixed(2)}× the limit, ${by})`;
}

export function renderText(report: BenchReport): string {
  const out: string[] = [];
  const d = report.dataset;
  out.push(
    `aibridge-migrate benchmark — ${formatCount(d.rows)} rows (seed ${d.seed}; ${formatCount(d.rowsWithMetadata)} with metadata), ` +
      `table ${formatBytes(d.heapBytes)} heap + ${formatBytes(d.indexBytes)} indexes before`,
  );
  out.push(`${report.server.version.split(',')[0]} — ${report.server.description}`);
  out.push(
    `${report.machine.cpus} CPUs, load average ${report.machine.loadAverageAtStart.map((v) => v.toFixed(2)).join('/')} at start, ` +
      `${report.machine.loadAverageAtEnd.map((v) => v.toFixed(2)).join('/')} at end; Node ${report.machine.node}` +
      (report.cli.startupMs === null ? '' : `; CLI: ${report.cli.invocation} (start-up ${formatMs(report.cli.startupMs)}, counted in its wall times)`),
  );
  out.push('');
  const header = ['contender', 'wall', '×(a)', 'rows/s', 'WAL', 'heap after', 'idx after', 'rows upd.', 'HOT', 'longest txn', 'longest batch', 'peak RSS', 'status'];
  const rows = report.contenders.map((c) =>
    c.steps.length === 0
      ? [`(${c.id}) ${c.label}`, ...Array.from({ length: header.length - 2 }, () => '—'), 'FAILED']
      : [
    `(${c.id}) ${c.label}`,
    formatMs(c.wallMs),
    formatRatio(c.ratioToA),
    formatRate(c.rowsPerSecond),
    formatBytes(c.walBytes),
    formatBytes(c.heapBytesAfter),
    formatBytes(c.indexBytesAfter),
    formatCount(c.rowsUpdated),
    formatPercent(c.hotShare),
    formatMs(c.longestTransaction.longestMs),
    formatMs(c.longestBatchMs),
    formatBytes(c.peakRssBytes),
    c.status === 'ok' ? 'ok' : 'FAILED',
  ]);
  out.push(renderTable(header, rows));
  for (const c of report.contenders.filter((c) => c.status !== 'ok')) out.push(`  (${c.id}) failed: ${c.error ?? 'unknown error'}`);
  const sums = report.contenders.filter((c) => c.status === 'ok' && c.columnSums);
  const reference = sums.find((c) => c.id === 'a') ?? sums[0];
  for (const c of sums) {
    if (reference && c !== reference && (c.columnSums!.read !== reference.columnSums!.read || c.columnSums!.write !== reference.columnSums!.write)) {
      out.push(`  note: (${c.id})'s column sums differ from (${reference.id})'s: read ${c.columnSums!.read} vs ${reference.columnSums!.read}, write ${c.columnSums!.write} vs ${reference.columnSums!.write}`);
    }
  }

  if (report.load) {
    out.push('');
    out.push(
      `Writer under load: ${report.load.writerRate} statements/s (alternating INSERT and UPDATE by primary key, ${report.load.poolSize} connections), ` +
        `latency measured from when each statement was due`,
    );
    const loadRows = report.load.runs.flatMap((run) => [
      [`idle before (${run.id})`, formatCount(run.idle.count), formatMs(run.idle.p50Ms), formatMs(run.idle.p99Ms), formatMs(run.idle.maxMs), formatCount(run.idle.errors), '', ''],
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
    out.push(renderTable(['window', 'statements', 'p50', 'p99', 'max', 'errors', 'contender wall', 'status'], loadRows));
    for (const run of report.load.runs.filter((r) => r.status !== 'ok')) out.push(`  (${run.id}) under load failed: ${run.error ?? 'unknown error'}`);
    for (const run of report.load.runs.filter((r) => r.writerFirstError)) out.push(`  writer error during (${run.id}): ${run.writerFirstError}`);
  }

  out.push('');
  out.push('Targets (goals, reported not asserted):');
  for (const t of report.targets) out.push(targetLine(t));
  if (report.notes.length > 0) {
    out.push('');
    for (const note of report.notes) out.push(`note: ${note}`);
  }
  return out.join('\n');
}
