/**
 * The CLI's start-up, side by side: the package's CLI (bin/aibridge-migrate.js, which runs the
 * one-file dist/cli.mjs) against the modules it is built from (dist/src/cli/main.js), on
 * `--version` and on a `backfill` whose connection is refused (everything a run loads before it
 * connects). The invocations take turns, so a machine whose speed drifts charges them alike.
 *
 *   npm run build && npx tsx bench/startup.ts [--runs 12] [--baseline <another checkout, built>]
 *
 * --baseline adds that checkout's dist/src/cli/main.js (an older commit, say) to the turns.
 * Prints each invocation's median wall time and its spread (min–max), in milliseconds.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from './cli.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '12' }, baseline: { type: 'string' } } });
const runs = Number(values.runs);

const entries: Record<string, string> = {
  'bin (dist/cli.mjs)': path.join(PROJECT_ROOT, 'bin', 'aibridge-migrate.js'),
  'dist/src/cli/main.js': path.join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js'),
  ...(values.baseline ? { [`${values.baseline}: dist/src/cli/main.js`]: path.join(values.baseline, 'dist', 'src', 'cli', 'main.js') } : {}),
};
const commands = {
  '--version': ['--version'],
  'backfill, connection refused': ['backfill', '--database-url', 'postgres://u@127.0.0.1:1/x'],
};

const times = new Map<string, number[]>();
for (let run = 0; run < runs; run++) {
  for (const [command, args] of Object.entries(commands)) {
    for (const [entry, file] of Object.entries(entries)) {
      const started = performance.now();
      spawnSync(process.execPath, [file, ...args], { stdio: 'ignore' });
      const key = `${command} · ${entry}`;
      times.set(key, [...(times.get(key) ?? []), performance.now() - started]);
    }
  }
}
for (const [key, measured] of times) {
  const sorted = measured.sort((a, b) => a - b);
  const median = (sorted[Math.floor((sorted.length - 1) / 2)]! + sorted[Math.ceil((sorted.length - 1) / 2)]!) / 2;
  console.log(`${key}: ${median.toFixed(0)} ms (${sorted[0]!.toFixed(0)}–${sorted.at(-1)!.toFixed(0)}), ${runs} runs`);
}
