/**
 * aibridge-migrate-<version>.tgz with its whole dependency tree inside (bundleDependencies):
 * the tree of package-lock.json, production dependencies only, exactly as `npm ci --omit=dev`
 * installs it. Installing the tarball then resolves nothing from the registry — the versions
 * cannot drift at deploy time, it installs offline, and the tarball's SHA-256 covers every
 * byte of code that will run.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './project.js';

function run(cmd: string, args: string[], cwd: string): string {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Builds the tarball into `outdir`; returns its path. */
export function buildTarball(outdir: string, work: string): string {
  // npm pack runs prepack (the TypeScript build) and applies `files`: the package as published.
  const packed = run('npm', ['pack', '--silent', '--pack-destination', work], ROOT).trim().split('\n').pop()!;
  const stage = path.join(work, 'stage');
  fs.mkdirSync(stage, { recursive: true });
  run('tar', ['-xzf', path.join(work, packed), '-C', stage], work);
  const dir = path.join(stage, 'package');
  const manifestFile = path.join(dir, 'package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(manifestFile, `${JSON.stringify({ ...manifest, bundleDependencies: true }, null, 2)}\n`);
  fs.copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  // No dependency in production has an install script; none may run here either. The npm cache
  // (filled by the project's own install) serves the tarballs.
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], dir);
  fs.rmSync(path.join(dir, 'package-lock.json'));
  const name = run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', outdir], dir).trim().split('\n').pop()!;
  return path.join(outdir, name);
}
