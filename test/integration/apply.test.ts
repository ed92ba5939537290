/**
 * `aibridge-migrate apply` through a whole deploy, with the real CLI in a child process (real exit
 * codes, real signals) against Coder's emulated migration runner (test/harness/coder.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { apply as applyApi, type ApplyResult } from '../../src/apply/index.js';
import { apiSettings } from '../harness/settings.js';
import { verifyDeps, verifyOptionsSchema } from '../../src/verify/index.js';
import { systemRuntime } from '../../src/runtime.js';
import { runCliProcess, startCliProcess, type CliExit } from '../harness/cli-process.js';
import { coderVersion, installCoderAt, runCoderMigrations } from '../harness/coder.js';
import type { TestDatabase } from '../harness/database.js';
import { freshDatabase } from '../harness/migrate.js';

const databases: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
});

async function coderDatabase(version: number, rows: number): Promise<TestDatabase> {
  const db = await freshDatabase();
  databases.push(db);
  await installCoderAt(db.url, version);
  await generateDataset(db.pool, { rows, seed: version });
  return db;
}

function apply(db: TestDatabase, ...args: string[]): Promise<CliExit> {
  return runCliProcess(['apply', ...args], { env: { DATABASE_URL: db.url } });
}

function expectExit(run: CliExit, code: number): void {
  expect(run.code, `exit ${run.code} (signal ${run.signal})\nstderr:\n${run.stderr}\nstdout:\n${run.stdout}`).toBe(code);
}

/** The one JSON document apply prints with --json. */
function documentOf(run: CliExit): Record<string, any> {
  const lines = run.stdout.trim().split('\n');
  expect(lines, 'exactly one line on stdout').toHaveLength(1);
  return JSON.parse(lines[0]!);
}

function stages(doc: Record<string, any>): Record<string, string> {
  return Object.fromEntries(doc.stages.map((s: any) => [s.stage, s.status]));
}

/** Rows an application release before 461 writes: cache counts in metadata only. */
async function oldReleaseWrites(db: TestDatabase, count: number): Promise<void> {
  await db.query(
    `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
     SELECT gen_random_uuid(), gen_random_uuid(), 'between-' || n, 10, 5, jsonb_build_object('cache_read_input', n, 'cache_creation_input', 2 * n), now()
       FROM generate_series(1, $1) AS n`,
    [count],
  );
}

async function pendingRows(db: TestDatabase): Promise<number> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM aibridge_token_usages
      WHERE cache_read_input_tokens = 0 AND cache_write_input_tokens = 0 AND metadata ? 'cache_read_input' AND (metadata->>'cache_read_input')::numeric > 0`,
  );
  return rows[0].n;
}

describe('apply: one command per pipeline stage', () => {
  it('Coder at 460 → apply → Coder upgrade → apply: each exits 0, Coder’s version goes 460 → 461 (handed over) → 462', async () => {
    const db = await coderDatabase(460, 3000);

    const before = await apply(db, '--json');
    expectExit(before, 0);
    const first = documentOf(before);
    expect(first.status).toBe('ok');
    expect(stages(first)).toEqual({ up: 'done', backfill: 'done', verify: 'done', check: 'done' });
    expect(first.stages[0].result.coder.action).toBe('hand_over');
    expect(first.stages[1].result.summary.rows_updated).toBeGreaterThan(0);
    expect(await coderVersion(db.url)).toEqual([{ version: 461, dirty: false }]);

    // The old release keeps serving until the upgrade: its rows carry metadata only.
    await oldReleaseWrites(db, 40);
    expect(await pendingRows(db)).toBe(40);
    expect(await runCoderMigrations(db.url)).toEqual({ status: 'ok', applied: [462], version: 462 });
    expect(await coderVersion(db.url)).toEqual([{ version: 462, dirty: false }]);

    const after = await apply(db, '--json');
    expectExit(after, 0);
    const second = documentOf(after);
    expect(stages(second)).toEqual({ up: 'skipped', backfill: 'done', verify: 'done', check: 'done' });
    expect(second.stages[1].result.summary.rows_updated).toBe(40);
    expect(await pendingRows(db)).toBe(0);
    expect(await coderVersion(db.url)).toEqual([{ version: 462, dirty: false }]);

    // Idempotent: a third run changes nothing and still exits 0.
    const again = await apply(db, '--json');
    expectExit(again, 0);
    expect(documentOf(again).stages[1].result.summary.rows_updated).toBe(0);
  });

  it('Coder older than 460: exit 5 at up, nothing changed, one JSON document carrying the error', async () => {
    const db = await coderDatabase(459, 200);
    const run = await apply(db, '--json');
    expectExit(run, 5);
    const doc = documentOf(run);
    expect(doc.status).toBe('error');
    expect(doc.error).toMatchObject({ code: 'PREFLIGHT', exit_code: 5 });
    expect(stages(doc)).toEqual({ up: 'failed', backfill: 'not_run', verify: 'not_run', check: 'not_run' });
    expect((await db.query(`SELECT to_regclass('public.aibridge_migrate_migrations') AS t`)).rows[0].t).toBeNull();
    expect(await coderVersion(db.url)).toEqual([{ version: 459, dirty: false }]);
  });

  it('parity fails (a column the metadata contradicts): exit 1 at verify, the gate is not run; --report writes JUnit and Markdown', async () => {
    const db = await coderDatabase(460, 500);
    const { rows } = await db.query(`SELECT id FROM aibridge_token_usages WHERE metadata ? 'cache_read_input' LIMIT 1`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apply-report-'));
    try {
      expect(((await applyApi({ databaseUrl: db.url })) as ApplyResult).exitCode).toBe(0);
      // A column value the metadata contradicts: the backfill never touches it, verify calls it a conflict.
      await db.query(`UPDATE aibridge_token_usages SET cache_read_input_tokens = 999999 WHERE id = $1`, [rows[0].id]);

      const junit = path.join(dir, 'apply.xml');
      const failed = await apply(db, '--report', junit);
      expectExit(failed, 1);
      expect(failed.stdout).toMatch(/apply: exit 1 \(parity failed\)/);
      const xml = fs.readFileSync(junit, 'utf8');
      expect(xml).toMatch(/<testcase classname="aibridge-migrate.apply" name="verify"[^>]*>\s*<failure type="parity"/);
      expect(xml).toMatch(/<testcase classname="aibridge-migrate.apply" name="check"[^>]*>\s*<skipped message="not run"/);
      expect(xml).toContain(`conflict ${rows[0].id}`);

      const markdown = path.join(dir, 'apply.md');
      expectExit(await apply(db, '--report', markdown), 1);
      const md = fs.readFileSync(markdown, 'utf8');
      expect(md).toMatch(/^## aibridge-migrate apply: ❌ exit 1 \(parity failed\)/);
      expect(md).toMatch(/\| verify \| ❌ failed \|/);
      expect(md).toContain('## aibridge-migrate verify: ❌ parity fails');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--dry-run shows the whole plan and changes nothing', async () => {
    const db = await coderDatabase(460, 300);
    const run = await apply(db, '--dry-run');
    expectExit(run, 0);
    expect(run.stdout).toMatch(/1\. up/);
    expect(run.stdout).toMatch(/ALTER TABLE/);
    expect(run.stdout).toMatch(/2\. backfill/);
    expect(run.stdout).toMatch(/would update/i);
    expect((await db.query(`SELECT to_regclass('public.aibridge_migrate_migrations') AS t`)).rows[0].t).toBeNull();
    expect(await coderVersion(db.url)).toEqual([{ version: 460, dirty: false }]);
  });

  it('SIGTERM during the backfill: exit 143 with the checkpoint recorded; the next apply finishes', async () => {
    const db = await coderDatabase(460, 6000);
    const child = startCliProcess(['apply', '--batch-size', '50', '--pause-ms', '20'], { env: { DATABASE_URL: db.url } });
    // Mid-backfill: the run exists and has committed batches (read from the ledger itself).
    for (;;) {
      const { rows } = await db
        .query(`SELECT rows_scanned FROM aibridge_migrate.backfill_runs WHERE status = 'running'`)
        .catch(() => ({ rows: [] as any[] }));
      if (Number(rows[0]?.rows_scanned ?? 0) >= 200) break;
      if (child.process.exitCode !== null) throw new Error(`apply exited early: ${child.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.process.kill('SIGTERM');
    const stopped = await child.exit;
    expectExit(stopped, 143);
    expect(stopped.stderr).toMatch(/SIGTERM: apply stops/);
    expect(stopped.stdout).toMatch(/STOPPED\s+backfill/);
    const { rows } = await db.query(
      // The key walk checkpoints a key, the page walk the pages it has counted.
      `SELECT r.status, bool_or(g.checkpoint IS NOT NULL OR g.counted_to_page > g.first_page) AS checkpointed, r.rows_scanned
         FROM aibridge_migrate.backfill_runs r JOIN aibridge_migrate.backfill_ranges g ON g.run_id = r.id
        GROUP BY r.id`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe('interrupted');
    expect(rows[0].checkpointed).toBe(true);
    expect(Number(rows[0].rows_scanned)).toBeLessThan(6000);

    const resumed = await apply(db, '--json');
    expectExit(resumed, 0);
    const doc = documentOf(resumed);
    expect(stages(doc)).toEqual({ up: 'skipped', backfill: 'done', verify: 'done', check: 'done' });
    expect(doc.stages[1].result.resumed).toBe(true);
  });

  it('rows the old release writes after the backfill’s last sweep: exit 9 (not backfilled yet), or 0 with --allow-pending; the next apply catches them', async () => {
    const db = await coderDatabase(460, 500);
    const { connection } = await apiSettings(verifyOptionsSchema, { databaseUrl: db.url });
    const real = verifyDeps(connection, systemRuntime());
    // Through the API, with `rows` arriving from the old release just before verify's first
    // session connects (its other sessions share that session's snapshot).
    const applyWhileWriting = async (rows: number, options: Record<string, unknown> = {}) => {
      let written = false;
      const connect = async () => {
        if (!written) await oldReleaseWrites(db, rows);
        written = true;
        return real.connect();
      };
      return (await applyApi({ databaseUrl: db.url, ...options }, { verify: { ...real, connect } })) as ApplyResult;
    };

    const result = await applyWhileWriting(25);
    expect(result.exitCode).toBe(9);
    expect(result.error).toBeNull();
    expect(result.stages.map((s) => s.status)).toEqual(['done', 'done', 'failed', 'not_run']);
    expect(result.stages[2]!.summary).toMatch(/^25 row\(s\) still pending, none in conflict/);

    // Before the application upgrade that is expected: --allow-pending lets the stage pass.
    const allowed = await applyWhileWriting(10, { allowPending: true });
    expect(allowed.exitCode).toBe(0);
    expect(allowed.stages.map((s) => s.status)).toEqual(['skipped', 'done', 'done', 'done']);
    expect(allowed.stages[2]!.summary).toMatch(/^10 row\(s\) still pending, none in conflict.*allowed \(--allow-pending\)/);

    const again = await apply(db, '--json');
    expectExit(again, 0);
    expect(documentOf(again).stages[1].result.summary.rows_updated).toBe(10);
  });
});
