/**
 * Packaging check (CI): `npm pack`, install the tarball into an empty project elsewhere, and
 * run the installed CLI — `--version`, `--help`, then the real commands against an embedded
 * PostgreSQL — exactly as a user of the published package would. The install must print no
 * npm warning (npm 11 warns about every install script it has not been told to allow: the
 * package has none, it ships dist/ built by prepack) and must work with scripts disabled.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { generateDataset } from '../fixtures/generator.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { loadBaselineSchema } from '../test/harness/template.js';

const root = path.resolve(import.meta.dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aibridge-migrate-pack-'));
let failures = 0;

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function check(name: string, ok: boolean, detail = ''): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `\n${detail}`}`);
  if (!ok) failures++;
}

const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
const packed = sh('npm', ['pack', '--silent', '--pack-destination', work], root);
check('npm pack', packed.code === 0, packed.stderr);
const tarball = path.join(work, packed.stdout.trim().split('\n').pop()!);

const project = path.join(work, 'consumer');
fs.mkdirSync(project);
fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
const install = sh('npm', ['install', '--no-audit', '--no-fund', tarball], project);
check('npm install <tarball> into an empty project', install.code === 0, install.stderr);
const warnings = install.stderr.split('\n').filter((line) => /^npm warn/i.test(line));
check('the install prints no npm warning', warnings.length === 0, warnings.join('\n'));

const installed = path.join(project, 'node_modules', 'aibridge-migrate');
const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as {
  scripts?: Record<string, string>;
  license?: string;
  repository?: unknown;
  bugs?: unknown;
};
const installScripts = ['preinstall', 'install', 'postinstall', 'prepare'].filter((name) => manifest.scripts?.[name] !== undefined);
check('the package has no install script', installScripts.length === 0, installScripts.join(', '));
check(
  'LICENSE, license, repository and bugs are there',
  fs.existsSync(path.join(installed, 'LICENSE')) && manifest.license === 'MIT' && Boolean(manifest.repository) && Boolean(manifest.bugs),
);
check(
  'the bundled CLI and the compiled library are in the package (no build step)',
  fs.existsSync(path.join(installed, 'dist', 'cli.mjs')) && fs.existsSync(path.join(installed, 'dist', 'src', 'index.js')),
);

const noScripts = path.join(work, 'consumer-no-scripts');
fs.mkdirSync(noScripts);
fs.writeFileSync(path.join(noScripts, 'package.json'), JSON.stringify({ name: 'consumer-no-scripts', version: '1.0.0', private: true }));
const ignoring = sh('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', tarball], noScripts);
const ignoringHelp = sh('npx', ['aibridge-migrate', '--version'], noScripts);
check(
  'installed with --ignore-scripts, the CLI still runs',
  ignoring.code === 0 && ignoringHelp.code === 0 && ignoringHelp.stdout.trim() === version,
  ignoring.stderr + ignoringHelp.stderr,
);

const versionRun = sh('npx', ['aibridge-migrate', '--version'], project);
check(
  `npx aibridge-migrate --version prints ${version}`,
  versionRun.code === 0 && versionRun.stdout.trim() === version,
  versionRun.stdout + versionRun.stderr,
);
// The bin runs the bundle, with the library versions built in; the separate modules the package
// also carries run whatever is installed (README, requirements: how an operator takes a
// library's fix before this package's next release).
const modulesCli = path.join(installed, 'dist', 'src', 'cli', 'main.js');
const installedPg = (
  JSON.parse(fs.readFileSync(path.join(path.dirname(createRequire(modulesCli).resolve('pg')), '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const libraries = (args: string[]): { libraries?: string; dependencies?: { pg?: string }; output?: string } => {
  const run = sh(args[0]!, [...args.slice(1), '--version', '--json'], project);
  try {
    return JSON.parse(run.stdout) as { libraries?: string; dependencies?: { pg?: string } };
  } catch {
    return { output: run.stdout + run.stderr };
  }
};
const bundledDoc = libraries(['npx', 'aibridge-migrate']);
check(
  'the bin runs the bundle: --version --json says "libraries": "bundled"',
  bundledDoc.libraries === 'bundled',
  JSON.stringify(bundledDoc),
);
const modulesDoc = libraries(['node', modulesCli]);
check(
  `dist/src/cli/main.js runs the installed libraries: "libraries": "installed", pg ${installedPg}`,
  modulesDoc.libraries === 'installed' && modulesDoc.dependencies?.pg === installedPg,
  JSON.stringify(modulesDoc),
);
const help = sh('npx', ['aibridge-migrate', '--help'], project);
check(
  '--help lists every command',
  help.code === 0 && ['apply', 'up', 'down', 'status', 'backfill', 'verify'].every((c) => help.stdout.includes(`aibridge-migrate ${c}`)),
  help.stdout,
);

const server = await startEmbeddedServer({ fast: true });
try {
  await loadBaselineSchema(server.url);
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await generateDataset(client, { rows: 2000, seed: 1 });
  await client.end();
  const env = { DATABASE_URL: server.url };
  const commands: [string, string[], number][] = [
    ['up', ['up', '--json'], 0],
    ['up again (nothing pending)', ['up'], 0],
    ['status --json', ['status', '--json'], 0],
    ['backfill', ['backfill', '--json'], 0],
    ['verify', ['verify', '--format', 'json'], 0],
    ['status --check (the pipeline gate)', ['status', '--check'], 0],
  ];
  for (const [name, args, expected] of commands) {
    const run = sh('npx', ['aibridge-migrate', ...args], project, env);
    check(`installed CLI: ${name} exits ${expected}`, run.code === expected, `exit ${run.code}\n${run.stdout}\n${run.stderr}`);
  }
  const modulesStatus = sh('node', [modulesCli, 'status', '--check'], project, env);
  check(
    'dist/src/cli/main.js: status --check exits 0',
    modulesStatus.code === 0,
    `exit ${modulesStatus.code}\n${modulesStatus.stdout}\n${modulesStatus.stderr}`,
  );
  const badUrl = sh('npx', ['aibridge-migrate', 'status'], project, { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none' });
  check(
    'unreachable server: exit 3, one clear message, no stack trace, no password',
    badUrl.code === 3 && !/\n\s+at /.test(badUrl.stderr) && !badUrl.stderr.includes('secret'),
    badUrl.stderr,
  );
} finally {
  await server.stop();
  fs.rmSync(work, { recursive: true, force: true });
}

console.log(failures === 0 ? 'package check: all passed' : `package check: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
