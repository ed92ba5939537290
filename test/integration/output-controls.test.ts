/**
 * Output controls: --quiet prints nothing on success (and still the error on failure),
 * --version --json describes the tool, --help names each option's environment variable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { runCliProcess } from '../harness/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

describe('output controls', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await generateDataset(db.pool, { rows: 500, seed: 3 });
  });
  afterAll(() => db.drop());

  it('--quiet prints nothing on success: up, backfill, verify, status', async () => {
    for (const args of [['up'], ['backfill'], ['verify'], ['status', '--check']]) {
      const run = await runCliProcess([...args, '--quiet'], { env: { DATABASE_URL: db.url } });
      expect([run.code, run.stdout, run.stderr], args.join(' ')).toEqual([0, '', '']);
    }
    // AIBRIDGE_MIGRATE_QUIET too, and JSON mode keeps the final document only.
    const json = await runCliProcess(['backfill', '--json'], { env: { DATABASE_URL: db.url, AIBRIDGE_MIGRATE_QUIET: '1' } });
    expect(json.code).toBe(0);
    expect(json.events.map((e) => e.event)).toEqual(['finish']);
  });

  it('--quiet still reports an error', async () => {
    const run = await runCliProcess(['status', '--quiet', '--database-url', 'postgres://postgres@127.0.0.1:1/x']);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: cannot reach 127\.0\.0\.1:1\/x/);
  });

  it('--version --json', async () => {
    const run = await runCliProcess(['--version', '--json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ name: 'aibridge-migrate', node: process.versions.node, exit_codes: { cancelled: 11 } });
    expect(doc.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.dependencies.pg).toMatch(/^\d+\./);
    // Run from source, as dist/src runs: the libraries are the ones installed (the bundle's
    // "bundled" is checked on the packed package, scripts/check-package.ts).
    expect(doc.libraries).toBe('installed');
  });

  it('--help names each option’s environment variable, and numeric defaults as numbers', async () => {
    const run = await runCliProcess(['backfill', '--help']);
    expect(run.stdout).toMatch(
      /--batch-size-max\s+largest adaptive batch \[env\s+AIBRIDGE_MIGRATE_BATCH_SIZE_MAX\]\s+\[string\] \[default: 50000\]/,
    );
    expect(run.stdout).toMatch(/--restart .*\[flag only\]/);
    expect(run.stdout).toMatch(/--connect-retry [\s\S]*?\[env\s+AIBRIDGE_MIGRATE_CONNECT_RETRY\]/);
  });
});
