/**
 * Fault 2: a DBA (or a failover, or a pooler) ends the runner's backend with
 * pg_terminate_backend while it works. The runner reconnects, takes its lock again, resumes
 * from the ledger's checkpoint and completes with exit 0 — nobody has to act.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerRuns, preparedDatabase } from '../harness/backfill.js';
import { startCli } from '../harness/fault-cli.js';
import { applicationWrittenOf, auditCounts, auditFrom, tableProblems, type Snapshot } from '../harness/table-checks.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

async function terminateRunner(db: Db): Promise<number> {
  const { rows } = await db.query(
    `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
      WHERE datname = current_database() AND application_name LIKE 'aibridge-migrate%' AND pid <> pg_backend_pid()`,
  );
  return rows.filter((r) => r.ok).length;
}

describe('the runner backend is terminated mid-run', () => {
  let db: Db;
  let before: Snapshot;
  beforeAll(async () => ({ db, before } = await auditFrom(await preparedDatabase(10_000, 23))));
  afterAll(() => db?.drop());

  it('reconnects and completes (exit 0), twice in one run, with nothing lost or repeated', async () => {
    // Terminated once while a batch is open (paused before its COMMIT: the UPDATE and the
    // checkpoint are written but not committed), and once more while batches stream by.
    const child = startCli(['backfill', '--batch-size', '100', '--json', '--database-url', db.url], { pause: 'commit:3:1500' });
    await child.waitForStderr('@@fault-paused commit');
    expect(await terminateRunner(db)).toBe(1);
    let after = 0;
    await child.waitForEvent((e) => e.event === 'batch' && e.range_no !== undefined && ++after >= 10);
    expect(await terminateRunner(db)).toBe(1);

    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(0);
    const reconnects = exit.events.filter((e) => e.event === 'retry' && e.action === 'reconnect');
    expect(reconnects.length).toBeGreaterThanOrEqual(2);
    // Terminated while idle in the paused batch, node-postgres reports the dead socket on the
    // next query; terminated mid-statement, the server's 57P01 arrives.
    for (const retry of reconnects)
      expect(retry.sqlstate === '57P01' || /connection error|terminat/i.test(retry.message), JSON.stringify(retry)).toBe(true);
    expect(exit.events.at(-1)).toMatchObject({ event: 'finish', status: 'completed' });

    expect(await tableProblems(db, { before, applicationWritten: applicationWrittenOf(before), allowPending: false })).toEqual([]);
    const audit = await auditCounts(db);
    expect(audit.twice).toEqual([]);
    const runs = await ledgerRuns(db);
    expect(runs).toHaveLength(1);
    expect(Number(runs[0].rows_updated)).toBe(audit.total);
    expect(Number(runs[0].rows_scanned)).toBe(10_000);
  });
});
