/**
 * Smoke test of the release artifacts (CI, after `npm run release`), each against a real
 * embedded PostgreSQL, as a pipeline would run them:
 *
 * - SHA256SUMS checks with `sha256sum -c`;
 * - the tarball installs offline (its dependencies are inside) with no npm warning and no
 *   install script, and its CLI runs `--version` and `apply`;
 * - aibridge-migrate.mjs, copied alone into an empty directory, runs with `node` alone (the
 *   machine's Node and each registry LTS) — `--version`, then `apply`;
 * - the single executable runs with no Node on PATH (an empty PATH) — `--version`, then
 *   `apply` — and, as PID 1 of a new PID namespace (`unshare --pid --fork --mount-proc`, as a
 *   container's entrypoint runs), receives SIGTERM mid-backfill and exits 143 with the run
 *   checkpointed in the ledger; the next `apply` finishes it.
 *
 * A PID 1 without a handler ignores SIGTERM, even sent from outside its namespace: the backfill
 * would then run to its end and exit 0, and this check would fail.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { generateDataset } from '../fixtures/generator.js';
import { installCoderAt, coderVersion } from '../test/harness/coder.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { loadBaselineSchema, withDatabase } from '../test/harness/template.js';
import { NODE_LTS, registryNode, type NodeMajor } from './release/node-lts.js';
import { packageVersion, RELEASE_DIR } from './release/project.js';

const version = packageVersion();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aibridge-migrate-check-release-'));
const started = Date.now();
let failures = 0;

function check(name: string, ok: boolean, detail = ''): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `\n${detail}`}`);
  if (!ok) failures++;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command with exactly `env` (nothing inherited): what it needs must be given. */
function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const result = spawnSync(cmd, args, { cwd: options.cwd ?? work, env: options.env ?? process.env, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

const show = (r: Run) => `exit ${r.code}\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr.slice(-3000)}`;

const artifact = (name: string) => path.join(RELEASE_DIR, name);
const TARBALL = `aibridge-migrate-${version}.tgz`;
const MJS = 'aibridge-migrate.mjs';
const SEA = 'aibridge-migrate-linux-x64';

for (const name of [TARBALL, MJS, SEA, 'SHA256SUMS']) check(`release/${name} exists`, fs.existsSync(artifact(name)));
const sums = run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: RELEASE_DIR });
check('sha256sum -c SHA256SUMS', sums.code === 0 && sums.stdout.split('\n').filter((l) => l.endsWith(': OK')).length === 3, show(sums));

const server = await startEmbeddedServer({ fast: true });
const admin = new pg.Client({ connectionString: server.url });
await admin.connect();

/** A database at Coder's migration 460 holding `rows` generated usages. */
async function database(name: string, rows: number): Promise<string> {
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(server.url, name);
  await loadBaselineSchema(url);
  await installCoderAt(url, 460);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await generateDataset(client, { rows, seed: 7 });
  await client.end();
  return url;
}

/** `apply` exits 0 and hands Coder's 461 over: the whole stage ran. */
async function checkApply(what: string, url: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const applied = run(command, [...args, 'apply', '--database-url', url], { env });
  check(`${what}: apply exits 0`, applied.code === 0, show(applied));
  const coder = await coderVersion(url);
  check(`${what}: Coder's migration 461 recorded as applied`, coder[0]?.version === 461 && coder[0].dirty === false, JSON.stringify(coder));
}

/** `name` found on this process's PATH (the checked commands run with an empty one). */
function which(name: string): string {
  const found = (process.env.PATH ?? '')
    .split(':')
    .map((dir) => path.join(dir, name))
    .find((file) => fs.existsSync(file));
  if (!found) throw new Error(`${name} is not on PATH`);
  return found;
}

/** An environment with no Node anywhere on PATH. */
const emptyPath = fs.mkdtempSync(path.join(work, 'empty-path-'));
const bare: NodeJS.ProcessEnv = { PATH: emptyPath, HOME: work, NO_COLOR: '1' };

try {
  // The tarball: offline install (the dependencies are inside), no warning, no install script.
  const project = path.join(work, 'consumer');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  const install = run('npm', ['install', '--offline', '--no-audit', '--no-fund', artifact(TARBALL)], { cwd: project });
  check('tarball: npm install --offline (every dependency inside)', install.code === 0, show(install));
  const warnings = install.stderr.split('\n').filter((line) => /^npm warn/i.test(line));
  check('tarball: the install prints no npm warning', warnings.length === 0, warnings.join('\n'));
  const bin = path.join(project, 'node_modules', '.bin', 'aibridge-migrate');
  const tgzVersion = run(bin, ['--version']);
  check(`tarball: aibridge-migrate --version prints ${version}`, tgzVersion.stdout.trim() === version, show(tgzVersion));
  await checkApply('tarball', await database('release_tgz', 2000), bin, [], { ...process.env, NO_COLOR: '1' });

  // The one-file bundle, alone in an empty directory: Node and nothing else.
  const alone = fs.mkdtempSync(path.join(work, 'mjs-alone-'));
  fs.copyFileSync(artifact(MJS), path.join(alone, MJS));
  const nodes: [string, string][] = [
    [`node ${process.version} (this machine)`, process.execPath],
    ...(Object.keys(NODE_LTS) as unknown as NodeMajor[]).map((major): [string, string] => [
      `node ${NODE_LTS[major].version}`,
      registryNode(major),
    ]),
  ];
  for (const [label, node] of nodes) {
    const printed = run(node, [MJS, '--version'], { cwd: alone, env: bare });
    check(`${MJS} alone, ${label}: --version prints ${version}`, printed.stdout.trim() === version, show(printed));
  }
  const [newestLabel, newestNode] = nodes.at(-1)!;
  await checkApply(`${MJS} alone, ${newestLabel}`, await database('release_mjs', 2000), newestNode, [path.join(alone, MJS)], bare);

  // The single executable, with no Node on PATH.
  const sea = artifact(SEA);
  const seaVersion = run(sea, ['--version'], { env: bare });
  check(`${SEA} with an empty PATH: --version prints ${version}`, seaVersion.stdout.trim() === version, show(seaVersion));
  await checkApply(`${SEA} with an empty PATH`, await database('release_sea', 2000), sea, [], bare);

  // As PID 1 of a new PID namespace: SIGTERM mid-backfill → exit 143, checkpointed.
  const url = await database('release_pid1', 20_000);
  const child = spawn(
    which('unshare'),
    ['--pid', '--fork', '--mount-proc', sea, 'apply', '--database-url', url, '--batch-size', '20', '--pause-ms', '50'],
    { env: bare, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Mid-backfill: the ledger shows committed batches of a running run.
  for (let waited = 0; ; waited += 50) {
    const { rows } = await client
      .query(`SELECT rows_scanned FROM aibridge_migrate.backfill_runs WHERE status = 'running'`)
      .catch(() => ({ rows: [] as { rows_scanned: string }[] }));
    if (Number(rows[0]?.rows_scanned ?? 0) >= 400) break;
    if (child.exitCode !== null || waited > 120_000) throw new Error(`apply as PID 1 never reached its backfill:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // unshare (in this namespace) forked the CLI, which is PID 1 of the new one.
  const cli = Number(fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  const nsPid = /^NSpid:\s+(.*)$/m
    .exec(fs.readFileSync(`/proc/${cli}/status`, 'utf8'))?.[1]
    ?.trim()
    .split(/\s+/)
    .at(-1);
  check(`${SEA} runs as PID 1 of its namespace`, nsPid === '1', `NSpid of ${cli}: ${nsPid}`);
  process.kill(cli, 'SIGTERM');
  const code = await exited;
  check(`${SEA} as PID 1: SIGTERM mid-backfill exits 143`, code === 143, `exit ${code}\n${stderr}`);
  const { rows } = await client.query(
    // The key walk checkpoints a key, the page walk the pages it has counted.
    `SELECT r.status, r.rows_scanned, count(*) FILTER (WHERE g.checkpoint IS NOT NULL OR g.counted_to_page > g.first_page) AS checkpoints
       FROM aibridge_migrate.backfill_runs r LEFT JOIN aibridge_migrate.backfill_ranges g ON g.run_id = r.id
      GROUP BY r.id ORDER BY r.id`,
  );
  check(
    `${SEA} as PID 1: the run is interrupted with its checkpoint recorded, the table not yet done`,
    rows.length === 1 && rows[0].status === 'interrupted' && Number(rows[0].checkpoints) > 0 && Number(rows[0].rows_scanned) < 20_000,
    JSON.stringify(rows),
  );
  await client.end();
  const resumed = run(sea, ['apply', '--database-url', url, '--json'], { env: bare });
  const doc = (() => {
    try {
      return JSON.parse(resumed.stdout) as { status?: string; stages?: { stage: string; result?: { resumed?: boolean } }[] };
    } catch {
      return {};
    }
  })();
  check(
    `${SEA}: the next apply resumes the checkpointed run and finishes (exit 0)`,
    resumed.code === 0 && doc.status === 'ok' && doc.stages?.find((s) => s.stage === 'backfill')?.result?.resumed === true,
    show(resumed),
  );
} finally {
  await admin.end();
  await server.stop();
  fs.rmSync(work, { recursive: true, force: true });
}

console.log(`release check: ${failures === 0 ? 'all passed' : `${failures} failed`} (${Math.round((Date.now() - started) / 1000)} s)`);
process.exit(failures === 0 ? 0 : 1);
