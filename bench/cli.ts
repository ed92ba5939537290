/**
 * How the benchmark invokes aibridge-migrate: the built CLI (`node bin/aibridge-migrate.js`,
 * which runs dist/cli.mjs: what the package's users run), or the TypeScript source through tsx (for the smoke test, which cannot
 * build first). Either way it is a separate process talking to PostgreSQL like a user's.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface CliInvocation {
  command: string;
  /** Arguments before the subcommand. */
  prefix: string[];
  description: string;
}

export function builtCli(root = PROJECT_ROOT): CliInvocation {
  return {
    command: process.execPath,
    prefix: [path.join(root, 'bin', 'aibridge-migrate.js')],
    description: 'node bin/aibridge-migrate.js (dist/cli.mjs)',
  };
}

export function sourceCli(root = PROJECT_ROOT): CliInvocation {
  return {
    command: process.execPath,
    prefix: ['--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts')],
    description: 'node --import tsx src/cli/main.ts',
  };
}

export type BuildOutcome = { status: 'ok' } | { status: 'failed'; output: string };

/** `npm run build`, so the CLI contenders measure the source as it is now. */
export function buildCli(root = PROJECT_ROOT): BuildOutcome {
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
  if (result.status === 0 && fs.existsSync(path.join(root, 'dist', 'cli.mjs'))) return { status: 'ok' };
  return { status: 'failed', output: `${result.stdout ?? ''}${result.stderr ?? ''}`.slice(-3000) };
}

export interface CollectedRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout's lines, each parsed as JSON (the --json event stream). */
  events: any[];
}

/** Runs `command` from the project root to its exit, collecting its output (for the quick scripts). */
export async function runCollecting(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<CollectedRun> {
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const events = stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { code, stdout, stderr, events };
}
