/**
 * Renders an HTML verify report from a small generated dataset (with pending, conflicting,
 * application-written and malformed rows) and screenshots it in headless Chromium, so a
 * person can look at the charts. Not part of the test suite: CI may not have Chromium.
 *
 *   apt-get install -y chromium          # Debian's package
 *   npx tsx scripts/screenshot-report.ts [out-dir]     # writes verify.html and verify.png
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { generateDataset } from '../fixtures/generator.js';
import { renderReport, verify } from '../src/verify/index.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { loadBaselineSchema } from '../test/harness/template.js';
import { applyToolkitMigrations } from '../test/harness/toolkit-schema.js';
import { compileRuleSql } from '../src/rule/index.js';

const outDir = path.resolve(process.argv[2] ?? 'reports');
fs.mkdirSync(outDir, { recursive: true });
const server = await startEmbeddedServer({ fast: true });
try {
  await loadBaselineSchema(server.url);
  await applyToolkitMigrations(server.url);
  const pool = new pg.Pool({ connectionString: server.url });
  await generateDataset(pool, { rows: 5_000, seed: 3 });
  const rule = compileRuleSql('metadata');
  // Most rows backfilled; a slice left pending, a few conflicting, some written by the application.
  await pool.query(
    `UPDATE aibridge_token_usages SET cache_read_input_tokens = ${rule.cacheRead}, cache_write_input_tokens = ${rule.cacheWrite} WHERE id::text > '30'`,
  );
  await pool.query(
    `UPDATE aibridge_token_usages SET cache_read_input_tokens = cache_read_input_tokens + 17 WHERE id::text BETWEEN 'f0' AND 'f1' AND cache_read_input_tokens > 0`,
  );
  await pool.query(
    `UPDATE aibridge_token_usages SET cache_read_input_tokens = 1200, cache_write_input_tokens = 80 WHERE metadata = '{}' AND id::text > 'e8'`,
  );
  await pool.query(
    `UPDATE aibridge_token_usages SET metadata = metadata || '{"prompt_cached": "n/a"}' WHERE id::text BETWEEN 'a0' AND 'a1'`,
  );
  await pool.query(`UPDATE aibridge_token_usages SET metadata = '{"cache_read_input": 12.5}' WHERE id::text BETWEEN 'b0' AND 'b08'`);
  await pool.end();
  const { report } = await verify({ databaseUrl: server.url, maxSamples: 5 });
  const html = path.join(outDir, 'verify.html');
  fs.writeFileSync(html, renderReport(report, 'html'));
  console.log(`wrote ${html}`);
  const png = path.join(outDir, 'verify.png');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-'));
  const shot = spawnSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      `--screenshot=${png}`,
      `--window-size=${process.env.WINDOW_SIZE ?? '1200,1600'}`,
      `file://${html}`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  fs.rmSync(profile, { recursive: true, force: true });
  if (shot.status !== 0) console.error(`chromium failed (${shot.status}): ${shot.stderr}`);
  else console.log(`wrote ${png}`);
} finally {
  await server.stop();
}
