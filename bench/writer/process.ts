/**
 * Entry of the writer-under-load child process. Its own process, so that its latencies are
 * not skewed by whatever the benchmark runner's event loop is doing meanwhile.
 *
 * Protocol (one JSON object per stdout line): `{"type":"ready"}` once its connections are
 * open; `{"type":"result", ...}` after it is told to stop — a line "stop" on stdin, or stdin
 * closing (the runner died) — or after its maximum duration.
 *
 *   node --import tsx bench/writer/process.ts '<WriterConfig as JSON>'
 */
import readline from 'node:readline';
import { runWriter, type WriterConfig } from './writer.js';

const config = JSON.parse(process.argv[2] ?? '{}') as WriterConfig;

const stop = new Promise<void>((resolve) => {
  const input = readline.createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (line.trim() === 'stop') resolve();
  });
  input.on('close', () => resolve());
});

const run = await runWriter(config, stop, () => process.stdout.write(`${JSON.stringify({ type: 'ready' })}\n`));
// Compact rows keep a long run's result to one modest line: [dueAt, latencyMs, kind, ok].
const rows = run.samples.map((s) => [
  Math.round(s.dueAt * 10) / 10,
  Math.round(s.latencyMs * 100) / 100,
  s.kind === 'insert' ? 0 : 1,
  s.ok ? 1 : 0,
]);
process.stdout.write(
  `${JSON.stringify({ type: 'result', startedAt: run.startedAt, abandoned: run.abandoned, firstError: run.firstError, samples: rows })}\n`,
  () => process.exit(0),
);
