/**
 * Fault 3: the PostgreSQL server restarts mid-run. The runner reconnects with capped,
 * jittered backoff: if the server is back within the retry budget (--max-retries attempts,
 * delays up to 0.25 s, 0.5 s, 1 s, … capped at 15 s) the run completes; if not, it stops
 * cleanly with exit 8 and prints the command that resumes it, and that command does.
 *
 * Needs a server this test may restart: a dedicated embedded PostgreSQL, so it is skipped
 * when the suite runs against a server given by TEST_DATABASE_URL.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { startEmbeddedServer, type EmbeddedServer } from '../harness/embedded-server.js';
import { loadBaselineSchema, withDatabase } from '../harness/template.js';
import { applyToolkitMigrations } from '../harness/toolkit-schema.js';
import { startCli } from '../harness/fault-cli.js';
import { applicationWrittenOf, auditCounts, installUpdateAudit, snapshot, tableProblems, type Db } from '../harness/table-checks.js';

const external = Boolean(process.env.TEST_DATABASE_URL);

/** One short-lived connection per query: the pool would hold sockets the restart breaks. */
function clientDb(url: string): Db {
  return {
    async query(text: string, values?: unknown[]) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return await client.query(text, values as any[]);
      } finally {
        await client.end();
      }
    },
  } as Db;
}

async function freshDatabase(server: EmbeddedServer, name: string, rows: number): Promise<{ url: string; db: Db }> {
  const admin = clientDb(server.url);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(server.url, name);
  await loadBaselineSchema(url);
  await applyToolkitMigrations(url);
  const db = clientDb(url);
  await generateDataset(db as any, { rows, seed: 53 });
  // A few rows the new application version wrote: never to be overwritten.
  await db.query(
    `UPDATE aibridge_token_usages SET cache_read_input_tokens = 9 WHERE id IN (SELECT id FROM aibridge_token_usages ORDER BY md5(id::text) LIMIT 25)`,
  );
  await installUpdateAudit(db);
  return { url, db };
}

describe.skipIf(external)('the server restarts mid-run (skipped with TEST_DATABASE_URL: needs a server this test may restart)', () => {
  let server: EmbeddedServer;
  beforeAll(async () => {
    server = await startEmbeddedServer({ fast: true });
  });
  afterAll(() => server?.stop());

  it('back within the retry budget: reconnects and completes, exit 0', async () => {
    const { url, db } = await freshDatabase(server, 'restart_short', 8_000);
    const before = await snapshot(db);
    const child = startCli(['backfill', '--batch-size', '100', '--max-retries', '12', '--json', '--database-url', url], {
      slowCommitMs: 15,
    });
    let seen = 0;
    await child.waitForEvent((e) => e.event === 'batch' && ++seen >= 5);
    await server.restart(1_500);

    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(0);
    const retries = exit.events.filter((e) => e.event === 'retry');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((e) => e.action === 'reconnect')).toBe(true);
    expect(exit.events.at(-1)).toMatchObject({ event: 'finish', status: 'completed' });
    expect(await tableProblems(db, { before, applicationWritten: applicationWrittenOf(before), allowPending: false })).toEqual([]);
    const audit = await auditCounts(db);
    expect(audit.twice).toEqual([]);
    const { rows: runs } = await db.query(`SELECT status, rows_scanned, rows_updated FROM aibridge_migrate.backfill_runs`);
    expect(runs).toHaveLength(1);
    expect(Number(runs[0].rows_scanned)).toBe(8_000);
    expect(Number(runs[0].rows_updated)).toBe(audit.total);
  });

  it('down longer than the budget: exit 8 with the resume command, which then completes the run', async () => {
    const { url, db } = await freshDatabase(server, 'restart_long', 8_000);
    const before = await snapshot(db);
    const args = ['backfill', '--batch-size', '100', '--max-retries', '2', '--json', '--database-url', url];
    const child = startCli(args, { slowCommitMs: 15 });
    let seen = 0;
    await child.waitForEvent((e) => e.event === 'batch' && ++seen >= 5);
    const restarted = server.restart(8_000);
    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(8);
    expect(exit.stderr).toMatch(/error: a batch of run #1 failed 3 times in a row \(last: .*\); the run stopped at its last checkpoint/);
    expect(exit.stderr).toMatch(
      /Resume with: aibridge-migrate backfill --database-url \S+ --json --batch-size 100 --max-retries 2 \(it continues on \S+\)\n/,
    );
    expect(exit.stderr).not.toMatch(/\n\s+at /);
    const finish = exit.events.find((e) => e.event === 'finish');
    expect(finish).toMatchObject({
      status: 'failed',
      resume_command: `aibridge-migrate backfill --database-url ${url} --json --batch-size 100 --max-retries 2`,
    });
    await restarted;

    // The table is consistent at the stop: written rows are right, the rest still pending.
    expect(await tableProblems(db, { before, applicationWritten: applicationWrittenOf(before), allowPending: true })).toEqual([]);
    const resumed = await startCli(args).exit;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.events[0]).toMatchObject({ event: 'start', resumed: true, run_id: 1 });
    expect(await tableProblems(db, { before, applicationWritten: applicationWrittenOf(before), allowPending: false })).toEqual([]);
    const audit = await auditCounts(db);
    expect(audit.twice).toEqual([]);
    const { rows: runs } = await db.query(`SELECT status, rows_scanned, rows_updated FROM aibridge_migrate.backfill_runs`);
    expect(runs).toEqual([{ status: 'completed', rows_scanned: '8000', rows_updated: String(audit.total) }]);
  });
});
