/**
 * `status` as an operator and a pipeline use it, through the real CLI: progress and the
 * processes holding a running backfill (single runner and workers), and `status --check`
 * failing (exit 9, one line saying what is missing) until migrated and backfilled.
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { createHold, startCli } from '../harness/fault-cli.js';
import { runCliProcess } from '../harness/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { SHIPPED_MIGRATIONS } from '../harness/toolkit-schema.js';

describe('status while a backfill runs, and status --check', () => {
  let db: TestDatabase;
  const env = () => ({ DATABASE_URL: db.url });
  const status = async (...args: string[]) => runCliProcess(['status', ...args], { env: env() });

  beforeAll(async () => {
    db = await createTestDatabase();
    await generateDataset(db.pool, { rows: 20_000, seed: 17 });
  });
  afterAll(() => db.drop());

  it('before up: --check exits 9 naming the pending migrations', async () => {
    const run = await status('--check');
    expect(run.code).toBe(9);
    expect(run.stderr).toMatch(
      new RegExp(
        `^status --check: not ready: ${SHIPPED_MIGRATIONS.length} migration\\(s\\) pending \\(${SHIPPED_MIGRATIONS.join(', ')}\\): run \`aibridge-migrate up\`$`,
        'm',
      ),
    );
    const plain = await status();
    expect(plain.code).toBe(0);
  });

  it('a running single runner: percent, rows remaining, rate, and who holds it; then interrupted', async () => {
    expect((await runCliProcess(['up'], { env: env() })).code).toBe(0);
    expect((await status('--check')).stderr).toMatch(/not ready: no backfill has run yet: run `aibridge-migrate backfill`/);

    // Held after its third batch until status has looked (and the SIGINT is sent): on a loaded
    // machine the run could otherwise end before status's own start-up does.
    const hold = createHold();
    const runner = startCli(['backfill', '--json', '--batch-size', '200'], { env: env(), hold: { file: hold.file, afterBatches: 3 } });
    try {
      await runner.batches(3);
      const doc = JSON.parse((await status('--json')).stdout);
      const run = doc.backfill.latest_runs.find((r: { direction: string }) => r.direction === 'forward');
      expect(run.status).toBe('running');
      expect(run.progress.percent).toBeGreaterThan(0);
      expect(run.progress.percent).toBeLessThan(100);
      expect(run.progress.rows_remaining).toBeGreaterThan(0);
      expect(run.progress.rows_per_second).toBeGreaterThan(0);
      expect(run.holders).toEqual([
        expect.objectContaining({
          host: os.hostname(),
          pid: runner.process.pid,
          mode: 'exclusive',
          application_name: 'aibridge-migrate backfill',
          since: expect.any(String),
        }),
      ]);
      expect(doc.check).toEqual({
        ready: false,
        missing: [expect.stringMatching(/^backfill run #\d+ is still running at \d+% of the first pass$/)],
      });

      const text = await status();
      expect(text.stdout).toMatch(
        /^ {2}progress: \d+% of the first pass, ~[\d,]+ rows remaining \(estimate, of ~[\d,]+\), [\d,]+ rows\/s of batch time$/m,
      );
      expect(text.stdout).toContain(`  held by ${os.hostname()} pid ${runner.process.pid} since `);

      const check = await status('--check');
      expect(check.code).toBe(9);
      expect(check.stderr).toMatch(/^status --check: not ready: backfill run #\d+ is still running at \d+% of the first pass$/m);

      runner.process.kill('SIGINT');
    } finally {
      // The batch the runner was held before runs, then it stops for the SIGINT.
      hold.release();
    }
    expect((await runner.exit).code).toBe(130);
    const after = await status();
    expect(after.stdout).toMatch(/backfill forward: run \d+ interrupted/);
    expect(after.stdout).toContain('no process is working it: run `aibridge-migrate backfill` to resume it');
  });

  it('workers: every process holding the run, with its host, pid and claimed range (--json)', async () => {
    // Held after its first batch, inside a claimed range, until status has looked: on a loaded
    // machine status's own start-up can otherwise outlast the ranges (a lane between claims,
    // or the convergence count, names no holder).
    const hold = createHold();
    const workers = startCli(['backfill', '--json', '--workers', '2', '--batch-size', '200'], { env: env(), hold: { file: hold.file } });
    try {
      await workers.batches(1);
      const doc = JSON.parse((await status('--json')).stdout);
      const run = doc.backfill.latest_runs.find((r: { direction: string }) => r.direction === 'forward');
      expect(run.status).toBe('running');
      // Each worker session holds the run lock shared and names itself through its range claim;
      // the process's coordinating session holds it too, with no claim to name it by.
      for (const holder of run.holders) expect(holder.mode).toBe('shared');
      const named = run.holders.filter((h: { host: string | null }) => h.host !== null);
      expect(named.length).toBeGreaterThanOrEqual(1);
      for (const holder of named) expect(holder).toMatchObject({ host: os.hostname(), pid: workers.process.pid });
      const held = run.progress.claims.filter((c: { held: boolean }) => c.held);
      expect(held.length).toBeGreaterThanOrEqual(1);
      expect(held[0].claimed_by).toMatch(new RegExp(`^${os.hostname()} pid ${workers.process.pid} lane \\d$`));
    } finally {
      hold.release();
    }
    expect((await workers.exit).code).toBe(0);
  });

  it('migrated and backfilled: --check exits 0', async () => {
    const check = await status('--check', '--json');
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout).check).toEqual({ ready: true, missing: [] });
  });
});
