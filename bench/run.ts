/**
 * `npm run bench -- [options]`: measures this toolkit against the upstream single-statement
 * migration on a fresh embedded PostgreSQL, prints a table on stdout and writes the same as
 * JSON (plus an SVG chart of the backfill) to bench/results/. Progress goes to stderr.
 *
 * Exit status: 0 every selected contender ran; 1 some contender failed (the report says
 * which and why); 2 bad options. Targets missed do not change the exit status.
 */
import path from 'node:path';
import { PROJECT_ROOT } from './cli.js';
import { parseBenchArgs, USAGE } from './options.js';
import { runBench } from './pipeline.js';
import { renderBatchChart } from './report/chart.js';
import { writeReportFiles } from './report/files.js';
import { renderText } from './report/text.js';

const parsed = parseBenchArgs(process.argv.slice(2));
if (parsed.status === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (parsed.status === 'invalid') {
  process.stderr.write(`${parsed.problems.map((p) => `error: ${p}`).join('\n')}\n\n${USAGE}\n`);
  process.exit(2);
}
const options = parsed.options;

// A signal stops the embedded server before exiting; one that arrives while the server is
// still starting is honoured as soon as it is up (a server left running would outlive us).
let stopServer: (() => Promise<void>) | undefined;
let stopping: Promise<void> | undefined;
let exitCode: number | undefined;
const stopAndExit = (code: number) => {
  stopping ??= (stopServer?.() ?? Promise.resolve()).catch(() => {});
  void stopping.finally(() => process.exit(code));
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    exitCode = signal === 'SIGINT' ? 130 : 143;
    process.stderr.write(`\n[bench] ${signal}: stopping PostgreSQL …\n`);
    if (stopServer) stopAndExit(exitCode);
    else setTimeout(() => process.exit(exitCode), 60_000).unref();
  });
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
let outcome;
try {
  outcome = await runBench(options, {
    log,
    onServer: (stop) => {
      stopServer = stop;
      if (exitCode !== undefined) stopAndExit(exitCode);
    },
  });
} catch (error) {
  // Interrupted: the queries in flight fail as the server stops; that is not the error to show.
  if (exitCode !== undefined) {
    await stopping;
    process.exit(exitCode);
  }
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
let allOk = true;
for (const { report, batchPoints } of outcome) {
  const text = renderText(report);
  const chart =
    batchPoints.length > 0
      ? renderBatchChart(batchPoints, {
          title: `(b) backfill on ${report.dataset.rows.toLocaleString('en-US')} rows (${report.regime?.id ?? 'default'} regime): throughput and batch latency`,
        })
      : null;
  const files = writeReportFiles(path.resolve(PROJECT_ROOT, options.outDir), report, text, chart);
  process.stdout.write(`${text}\n\n`);
  log(
    `wrote ${path.relative(process.cwd(), files.json)}, ${path.relative(process.cwd(), files.latestJson)}${files.chart ? `, ${path.relative(process.cwd(), files.chart)}` : ' (no chart: (b) emitted no batch events)'}`,
  );
  allOk &&= report.contenders.every((c) => c.status === 'ok') && (report.load?.runs.every((r) => r.status === 'ok') ?? true);
}
process.exit(allOk ? 0 : 1);
