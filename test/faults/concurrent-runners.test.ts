/**
 * Fault 6: two runners started at once. Exactly one works (the runner lock is a session
 * advisory lock); the other exits 7 naming the holder, or with --wait starts when it is free.
 * Workers across two processes (--workers) must never write a row twice: checked by a trigger
 * that counts committed writes per row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerRuns, preparedDatabase } from '../harness/backfill.js';
import { backfillHasFlag, createHold, startCli, type Cli } from '../harness/fault-cli.js';
import { applicationWrittenOf, auditCounts, auditFrom, tableProblems, type Snapshot } from '../harness/table-checks.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

const workersAvailable = await backfillHasFlag('--workers');

describe('two runners at once', () => {
  let db: Db;
  let before: Snapshot;
  beforeAll(async () => ({ db, before } = await auditFrom(await preparedDatabase(10_000, 41))));
  afterAll(() => db?.drop());

  it('exactly one runs; the other exits 7 naming the holder', async () => {
    // Slowed commits keep each run alive for seconds, so the two surely overlap.
    const args = ['backfill', '--batch-size', '100', '--json', '--database-url', db.url];
    const [a, b] = await Promise.all([startCli(args, { slowCommitMs: 25 }).exit, startCli(args, { slowCommitMs: 25 }).exit]);
    const codes = [a.code, b.code].sort();
    expect(codes, `${a.stderr}\n---\n${b.stderr}`).toEqual([0, 7]);
    const loser = a.code === 7 ? a : b;
    // It names the run (once the winner has recorded it) or at least the winner's database session.
    expect(loser.stderr).toMatch(
      /another backfill of public\.aibridge_token_usages is running: (run #\d+ on host .* pid \d+|database session pid \d+)/,
    );
    expect(loser.stderr).toMatch(/hint: Wait for it to finish, or pass --wait/);
    expect(loser.events.filter((e) => e.event === 'batch')).toEqual([]);

    expect(await tableProblems(db, { before, applicationWritten: applicationWrittenOf(before), allowPending: false })).toEqual([]);
    const audit = await auditCounts(db);
    expect(audit.twice).toEqual([]);
    const runs = await ledgerRuns(db);
    expect(runs).toHaveLength(1);
    expect(Number(runs[0].rows_updated)).toBe(audit.total);
  });

  it('with --wait the second waits for the first, then finds nothing left to write', async () => {
    const args = ['backfill', '--batch-size', '100', '--json', '--restart', '--database-url', db.url];
    const first = startCli(args, { slowCommitMs: 10 });
    await first.waitForEvent((e) => e.event === 'batch');
    const second = startCli(['backfill', '--wait', '--json', '--database-url', db.url]);
    const [x, y] = await Promise.all([first.exit, second.exit]);
    expect(x.code, x.stderr).toBe(0);
    expect(y.code, y.stderr).toBe(0);
    const firstFinish = x.events.find((e) => e.event === 'finish');
    const secondStart = y.events.find((e) => e.event === 'start');
    expect(new Date(secondStart!.time).getTime()).toBeGreaterThanOrEqual(new Date(firstFinish!.time).getTime());
    expect(y.events.at(-1)).toMatchObject({ event: 'finish', status: 'completed', summary: { rows_updated: 0 } });
    expect((await auditCounts(db)).twice).toEqual([]);
  });

  it.skipIf(!workersAvailable)(
    'workers in two processes share one run and never write a row twice (skipped without --workers)',
    async () => {
      // Work again: every column the backfill wrote back to 0, then a fresh audit.
      await db.query(
        `UPDATE aibridge_token_usages SET cache_read_input_tokens = 0, cache_write_input_tokens = 0 WHERE NOT (id = ANY($1::uuid[]))`,
        [[...applicationWrittenOf(before).keys()]],
      );
      await db.query(`TRUNCATE fault_audit.row_updates`);
      const args = ['backfill', '--workers', '2', '--batch-size', '100', '--json', '--database-url', db.url];
      // The first process is held after its first batches until the second has worked: on a
      // loaded machine the second's start-up can outlast the whole run otherwise.
      const hold = createHold();
      const first = startCli([...args, '--restart'], { slowCommitMs: 20, hold: { file: hold.file } });
      let second: Cli;
      try {
        await first.waitForEvent((e) => e.event === 'batch');
        // A second process (on any host) joins the same run with its own workers.
        second = startCli(args, { slowCommitMs: 20 });
        await second.waitForEvent((e) => e.event === 'batch' && e.rows_scanned > 0);
      } finally {
        // Releases the first process, also when the second failed to join.
        hold.release();
      }
      const [a, b] = await Promise.all([first.exit, second.exit]);
      expect([a.code, b.code], `${a.stderr}\n---\n${b.stderr}`).toEqual([0, 0]);
      // Steps that read or wrote rows (a page walk's judges read, its rounds write).
      const batchesOf = (exit: typeof a) =>
        exit.events.filter((e) => e.event === 'batch' && (e.rows_scanned > 0 || e.rows_updated > 0)).length;
      expect(batchesOf(a), 'the first process worked').toBeGreaterThan(0);
      expect(batchesOf(b), 'the second process joined and worked').toBeGreaterThan(0);

      expect(await tableProblems(db, { before, applicationWritten: applicationWrittenOf(before), allowPending: false })).toEqual([]);
      const audit = await auditCounts(db);
      expect(audit.twice).toEqual([]);
      const runs = await ledgerRuns(db);
      const run = runs.at(-1)!;
      expect(run.status).toBe('completed');
      expect(Number(run.rows_updated)).toBe(audit.total);
    },
  );
});
