/**
 * `npm run release`: the artifacts a pipeline runs without npm, into release/ (git-ignored):
 *
 *   aibridge-migrate-<version>.tgz  the npm package with its dependency tree inside (tarball.ts)
 *   aibridge-migrate.mjs            one file: the CLI and every dependency; runs with `node` alone
 *   aibridge-migrate-linux-x64      a single executable: Node LTS + the CLI; runs with no Node at all
 *   SHA256SUMS                      `sha256sum -c SHA256SUMS` checks the three
 *
 * scripts/check-release.ts smoke-tests them.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundle } from './release/bundle.js';
import { packageVersion, RELEASE_DIR } from './release/project.js';
import { buildSea } from './release/sea.js';
import { buildTarball } from './release/tarball.js';

const started = Date.now();
const step = (what: string) => console.log(`[release ${((Date.now() - started) / 1000).toFixed(0)} s] ${what}`);

fs.rmSync(RELEASE_DIR, { recursive: true, force: true });
fs.mkdirSync(RELEASE_DIR);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aibridge-migrate-release-'));
try {
  step('tarball (npm pack, dependencies bundled from package-lock.json)');
  const tarball = buildTarball(RELEASE_DIR, work);
  step('aibridge-migrate.mjs (esbuild)');
  const mjs = path.join(RELEASE_DIR, 'aibridge-migrate.mjs');
  await bundle('esm', mjs);
  fs.chmodSync(mjs, 0o755);
  step('aibridge-migrate-linux-x64 (single executable)');
  const sea = path.join(RELEASE_DIR, 'aibridge-migrate-linux-x64');
  await buildSea(sea, work);
  const sums = [tarball, mjs, sea]
    .map((file) => `${createHash('sha256').update(fs.readFileSync(file)).digest('hex')}  ${path.basename(file)}`)
    .join('\n');
  fs.writeFileSync(path.join(RELEASE_DIR, 'SHA256SUMS'), `${sums}\n`);
  step(`done: release/ holds version ${packageVersion()}`);
  for (const file of fs.readdirSync(RELEASE_DIR).sort()) {
    console.log(`  ${file.padEnd(36)} ${(fs.statSync(path.join(RELEASE_DIR, file)).size / 1e6).toFixed(1)} MB`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
