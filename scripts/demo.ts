/**
 * `npm run demo`: the whole job on an embedded PostgreSQL, through the real CLI, as an
 * operator would run it — dry-run report, `up`, `backfill` with live progress, `verify`, and
 * an HTML report written to a file. No Docker, no server to set up.
 *
 *   npm run demo                      # 200k rows, cleans up afterwards
 *   npm run demo -- --rows 1000000
 *   npm run demo -- --keep            # leave the server running and print its URL
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generateDataset } from '../fixtures/generator.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { loadBaselineSchema } from '../test/harness/template.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function option(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const rows = Number(option('--rows') ?? 200_000);
const keep = args.includes('--keep');
if (!Number.isInteger(rows) || rows < 1) {
  console.error(`--rows must be a positive whole number, got ${option('--rows')}`);
  process.exit(2);
}
const reportFile = path.resolve(option('--report') ?? path.join(root, 'reports', 'demo-verify.html'));

function step(title: string): void {
  process.stderr.write(`\n\u001b[1m== ${title}\u001b[0m\n`);
}

/** Runs the built CLI the way a user does; its output goes straight to this terminal. */
function cli(commandArgs: string[], url: string, expectExit = 0): void {
  process.stderr.write(`$ aibridge-migrate ${commandArgs.join(' ')}\n`);
  const run = spawnSync(process.execPath, [path.join(root, 'bin', 'aibridge-migrate.js'), ...commandArgs], {
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: url },
  });
  if (run.status !== expectExit) {
    throw new Error(`aibridge-migrate ${commandArgs[0]} exited ${run.status}, expected ${expectExit}`);
  }
}

const started = Date.now();
if (!fs.existsSync(path.join(root, 'dist', 'cli.mjs'))) {
  step('building the CLI (npm run build)');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

step('starting embedded PostgreSQL');
const server = await startEmbeddedServer({ log: (line) => process.stderr.write(`${line}\n`) });
let failed = false;
try {
  process.stderr.write(`server: PostgreSQL ${server.major} at ${server.url}\n`);

  step(`loading the pre-change schema and ${rows.toLocaleString('en-US')} generated token-usage rows`);
  await loadBaselineSchema(server.url);
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  const t0 = Date.now();
  await generateDataset(client, { rows, seed: 42 });
  await client.query('VACUUM ANALYZE');
  await client.end();
  process.stderr.write(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

  step('1/4  dry run: what would change (read-only)');
  cli(['up', '--dry-run'], server.url);

  step('2/4  up: add the two columns (lock_timeout + retries, no table rewrite)');
  cli(['up'], server.url);

  step('3/4  backfill: batched, resumable, online');
  cli(['backfill', '--dry-run'], server.url);
  cli(['backfill'], server.url);

  step('4/4  verify: row, count and totals parity');
  cli(['verify'], server.url);
  fs.mkdirSync(path.dirname(reportFile), { recursive: true });
  cli(['verify', '--format', 'html', '--output', reportFile], server.url);
  process.stderr.write(`\nHTML report written to ${reportFile}\n`);
} catch (error) {
  failed = true;
  process.stderr.write(`\ndemo failed: ${(error as Error).message}\n`);
} finally {
  if (keep && !failed) {
    process.stderr.write(`\nThe server keeps running (--keep). Connect with:\n  psql '${server.url}'\nStop it with Ctrl-C.\n`);
    process.on('SIGINT', () => void server.stop().then(() => process.exit(0)));
    process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
    setInterval(() => {}, 1 << 30);
  } else {
    await server.stop();
    process.stderr.write(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s; embedded server stopped and removed.\n`);
    process.exit(failed ? 1 : 0);
  }
}
