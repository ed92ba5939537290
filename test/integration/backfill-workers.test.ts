/**
 * --workers: ranges shared by workers of one process and by several processes, no row written
 * twice (counted by a trigger), a killed process's ranges taken over from their checkpoints,
 * and the single runner kept apart from workers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferred } from '../harness/deferred.js';
import { startCliProcess, type Cli } from '../harness/cli-process.js';
import { rangeCount } from '../../src/backfill/policy/ranges.js';
import {
  backfill,
  eligibleCount,
  instrumentedConnect,
  ledgerRanges,
  ledgerRuns,
  preparedDatabase,
  wrongRows,
  isBatchStatement,
  stoppedAfter,
} from '../harness/backfill.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

/** Counts every UPDATE of every row from now on, in a side table. */
async function countUpdates(db: Db): Promise<void> {
  await db.query(`CREATE TABLE public.update_counts (id uuid PRIMARY KEY, n integer NOT NULL)`);
  await db.query(`CREATE FUNCTION public.count_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO public.update_counts AS c (id, n) VALUES (NEW.id, 1) ON CONFLICT (id) DO UPDATE SET n = c.n + 1;
      RETURN NEW;
    END $$`);
  await db.query(`CREATE TRIGGER count_update AFTER UPDATE ON aibridge_token_usages FOR EACH ROW EXECUTE FUNCTION public.count_update()`);
}

async function updateCounts(db: Db): Promise<{ rows: number; twice: number }> {
  const { rows } = await db.query(`SELECT count(*)::int AS rows, count(*) FILTER (WHERE n > 1)::int AS twice FROM public.update_counts`);
  return rows[0];
}

const cli = (args: string[], env: Record<string, string>) => startCliProcess(args, { env });

describe('backfill --workers in one process', () => {
  let db: Db;
  let needed: number;
  beforeAll(async () => {
    db = await preparedDatabase(8_000, 23);
    needed = await eligibleCount(db);
    await countUpdates(db);
  });
  afterAll(() => db.drop());

  it('three workers split the key space into ranges, fill every row right and write each needed row once', async () => {
    const workerEvents: { worker: number; rangeNo: number }[] = [];
    const { result } = await backfill(
      db,
      { workers: 3, batchSize: 250 },
      {
        sink: (e) => {
          if (e.event === 'worker' && e.action === 'claimed') workerEvents.push({ worker: e.worker, rangeNo: e.rangeNo });
        },
      },
    );
    expect(result.status, JSON.stringify(result)).toBe('completed');
    expect(await wrongRows(db)).toEqual([]);
    expect(await updateCounts(db)).toEqual({ rows: needed, twice: 0 });
    if (result.status !== 'completed') return;
    expect(result.converged).toBe(true);
    expect(result.summary.rowsScanned).toBe(8_000);
    expect(result.summary.rowsUpdated).toBe(needed);

    const keyed = (await ledgerRanges(db)).filter((r) => r.pass === 0);
    expect(keyed).toHaveLength(rangeCount(3));
    expect(keyed.every((r) => r.status === 'done')).toBe(true);
    // Contiguous: each range starts where the previous one ends, open at both ends.
    expect(keyed[0].lo).toBeNull();
    expect(keyed.at(-1).hi).toBeNull();
    for (let i = 1; i < keyed.length; i++) expect(keyed[i].lo).toBe(keyed[i - 1].hi);
    // Every range was claimed exactly once, and more than one worker took part.
    expect(workerEvents.map((e) => e.rangeNo).sort((a, b) => a - b)).toEqual(keyed.map((r) => r.range_no));
    expect(new Set(workerEvents.map((e) => e.worker)).size).toBeGreaterThan(1);
  });

  it('after a completed run, workers count first: nothing found, no range at all; rows found, the keyed ranges follow', async () => {
    const idle = await backfill(db, { workers: 3 });
    expect(idle.result.status === 'completed' && idle.result.summary.rowsScanned).toBe(0);
    expect(idle.events.find((e) => e.event === 'start')).toMatchObject({ keyedPass: false });
    const idleRun = (await ledgerRuns(db)).at(-1);
    expect((await ledgerRanges(db)).filter((r) => r.run_id === idleRun.id)).toEqual([]);

    // An old writer's rows since then: 40 rows reset to metadata-only.
    const { rows } = await db.query(
      `UPDATE aibridge_token_usages SET cache_read_input_tokens = 0, cache_write_input_tokens = 0
        WHERE id IN (SELECT id FROM aibridge_token_usages WHERE metadata ? 'cache_read_input' AND cache_read_input_tokens > 0 AND NOT (id = ANY($1)) ORDER BY id LIMIT 40)
        RETURNING id`,
      [[...db.appWritten.keys()]],
    );
    expect(rows).toHaveLength(40);
    const busy = await backfill(db, { workers: 3, batchSize: 500 });
    expect(busy.result.status === 'completed' && [busy.result.summary.rowsScanned, busy.result.summary.rowsUpdated]).toEqual([8_000, 40]);
    const busyRun = (await ledgerRuns(db)).at(-1);
    const ranges = (await ledgerRanges(db)).filter((r) => r.run_id === busyRun.id);
    expect(ranges.map((r) => [r.pass, r.status])).toEqual(Array.from({ length: rangeCount(3) }, () => [0, 'done']));
    expect(await wrongRows(db)).toEqual([]);
  });
});

describe('backfill --workers across processes', () => {
  let db: Db;
  let needed: number;
  beforeAll(async () => {
    db = await preparedDatabase(20_000, 29);
    needed = await eligibleCount(db);
    await countUpdates(db);
  });
  afterAll(() => db.drop());

  it('two processes with --workers 2 each join one run: both exit 0, every row right, no row updated twice', async () => {
    const args = ['backfill', '--workers', '2', '--batch-size', '100', '--json'];
    const a = cli(args, { DATABASE_URL: db.url });
    const b = cli(args, { DATABASE_URL: db.url });
    const [ea, eb] = await Promise.all([a.exit, b.exit]);
    expect(ea.code, a.stderr()).toBe(0);
    expect(eb.code, b.stderr()).toBe(0);
    expect(await wrongRows(db)).toEqual([]);
    expect(await updateCounts(db)).toEqual({ rows: needed, twice: 0 });

    const runs = await ledgerRuns(db);
    expect(runs.map((r) => r.status)).toEqual(['completed']);
    const startA = a.events.find((e) => e.event === 'start');
    const startB = b.events.find((e) => e.event === 'start');
    expect(startA?.run_id).toBe(Number(runs[0].id));
    expect(startB?.run_id).toBe(Number(runs[0].id));
    // Both did part of the work, and the ledger adds up to the table exactly once.
    const scannedBy = (c: Cli) => c.events.filter((e) => e.event === 'batch' && e.pass === 0).reduce((s, e) => s + e.rows_scanned, 0);
    expect(scannedBy(a)).toBeGreaterThan(0);
    expect(scannedBy(b)).toBeGreaterThan(0);
    expect(scannedBy(a) + scannedBy(b)).toBe(20_000);
    expect(Number(runs[0].rows_scanned)).toBe(20_000);
    expect(Number(runs[0].rows_updated)).toBe(needed);
    // Exactly one process converged the run.
    const converges = [...a.events, ...b.events].filter((e) => e.event === 'converge' && e.converged);
    expect(converges).toHaveLength(1);
  });
});

describe('backfill --workers: a process that dies', () => {
  let db: Db;
  let needed: number;
  beforeAll(async () => {
    db = await preparedDatabase(20_000, 31);
    needed = await eligibleCount(db);
    await countUpdates(db);
  });
  afterAll(() => db.drop());

  it('SIGKILL leaves its ranges claimable at their checkpoints; the next process finishes the same run, no row twice', async () => {
    const args = ['backfill', '--workers', '2', '--batch-size', '100', '--json'];
    const killed = cli(args, { DATABASE_URL: db.url });
    await killed.batches(6);
    killed.kill('SIGKILL');
    expect((await killed.exit).signal).toBe('SIGKILL');
    const [dead] = await ledgerRuns(db);
    expect(dead.status).toBe('running');
    // Ranges left part done: past their first key (key walk) or their first pages counted (page walk).
    const partly = (await ledgerRanges(db)).filter(
      (r) => r.status === 'pending' && (r.checkpoint !== null || Number(r.counted_to_page) > Number(r.first_page)),
    );
    expect(partly.length).toBeGreaterThan(0);

    const next = cli(args, { DATABASE_URL: db.url });
    const { code } = await next.exit;
    expect(code, next.stderr()).toBe(0);
    expect(next.events[0]).toMatchObject({ event: 'start', run_id: Number(dead.id), resumed: true, workers: 2 });
    expect(await wrongRows(db)).toEqual([]);
    expect(await updateCounts(db)).toEqual({ rows: needed, twice: 0 });
    const [run] = await ledgerRuns(db);
    expect(run.status).toBe('completed');
    // The first pass scanned every row once, across both processes: no batch repeated.
    expect(Number(run.rows_scanned)).toBe(20_000);
  });
});

describe('backfill --workers and the single runner keep apart', () => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(3_000, 37);
  });
  afterAll(() => db.drop());

  it('a plain backfill while workers run gets ALREADY_RUNNING, and workers do not join a single runner', async () => {
    // Hold the workers inside their first batch until the plain runner has been turned away.
    const held = deferred();
    const inBatch = deferred();
    const running = backfill(
      db,
      { workers: 2, batchSize: 200 },
      {
        connect: instrumentedConnect(db.url, async (text) => {
          if (text === 'BEGIN') {
            inBatch.resolve();
            await held.promise;
          }
        }),
      },
    );
    await inBatch.promise;
    const plain = await backfill(db, {});
    held.resolve();
    expect(plain.result.status).toBe('failed');
    if (plain.result.status === 'failed') {
      expect(plain.result.error.code).toBe('ALREADY_RUNNING');
      expect(plain.result.error.message).toMatch(/another backfill .* is running/);
    }
    const { result } = await running;
    expect(result.status).toBe('completed');

    // The other way round: a single runner holding the run turns workers away.
    const heldSingle = deferred();
    const singleIn = deferred();
    const single = backfill(
      db,
      { restart: true },
      {
        connect: instrumentedConnect(db.url, async (text) => {
          // Its first transaction: it holds the run lock by then.
          if (text === 'BEGIN') {
            singleIn.resolve();
            await heldSingle.promise;
          }
        }),
      },
    );
    await singleIn.promise;
    const workers = await backfill(db, { workers: 2 });
    heldSingle.resolve();
    expect(workers.result.status).toBe('failed');
    if (workers.result.status === 'failed') {
      expect(workers.result.error.code).toBe('ALREADY_RUNNING');
      expect(workers.result.error.hint).toMatch(/--wait/);
    }
    expect((await single).result.status).toBe('completed');
  });
});

describe('backfill --workers: stopped and resumed', () => {
  let db: Db;
  let needed: number;
  beforeAll(async () => {
    db = await preparedDatabase(6_000, 47);
    needed = await eligibleCount(db);
    await countUpdates(db);
  });
  afterAll(() => db.drop());

  it('an abort stops every worker after its batch and marks the run interrupted; the next run resumes it', async () => {
    const first = await stoppedAfter(db, { workers: 3, batchSize: 200 }, 5);
    expect(first.result.status).toBe('interrupted');
    if (first.result.status !== 'interrupted') return;
    expect(first.result.signal).toBe('SIGTERM');
    const [stopped] = await ledgerRuns(db);
    expect(stopped.status).toBe('interrupted');
    // Each worker finishes the batch it is in: at most one more per worker.
    expect(Number(stopped.batches)).toBeGreaterThanOrEqual(5);
    expect(Number(stopped.batches)).toBeLessThanOrEqual(5 + 3);

    const second = await backfill(db, { workers: 2, batchSize: 200 });
    expect(second.result.status).toBe('completed');
    if (second.result.status !== 'completed') return;
    expect(second.result.resumed).toBe(true);
    expect(second.result.runId).toBe(first.result.runId);
    expect(second.result.summary.rowsScanned).toBe(6_000);
    expect(await wrongRows(db)).toEqual([]);
    expect(await updateCounts(db)).toEqual({ rows: needed, twice: 0 });
  });
});

describe('backfill --workers: a permanent failure', () => {
  let db: Db;
  let needed: number;
  const role = `workers_${process.pid}`;
  beforeAll(async () => {
    db = await preparedDatabase(6_000, 53);
    needed = await eligibleCount(db);
    await countUpdates(db);
    await db.query(`CREATE ROLE ${role} LOGIN`);
    await db.query(`GRANT USAGE ON SCHEMA aibridge_migrate TO ${role}`);
    await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, aibridge_migrate TO ${role}`);
    await db.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA aibridge_migrate TO ${role}`);
  });
  afterAll(async () => {
    await db.query(`DROP OWNED BY ${role}`);
    await db.query(`DROP ROLE ${role}`);
    await db.drop();
  });

  it('UPDATE revoked mid-run: every worker stops, the run fails with the cause and nothing half-done; granted again, the next run resumes it', async () => {
    const asRole = new URL(db.url);
    asRole.username = role;
    let batches = 0;
    let revoked = false;
    const first = await backfill(
      db,
      { databaseUrl: asRole.toString(), workers: 3, batchSize: 200 },
      {
        connect: instrumentedConnect(asRole.toString(), async (text) => {
          if (isBatchStatement(text) && ++batches === 6 && !revoked) {
            revoked = true;
            await db.query(`REVOKE UPDATE ON public.aibridge_token_usages FROM ${role}`);
          }
        }),
      },
    );
    expect(first.result.status === 'failed' && [first.result.error.code, first.result.error.exitCode]).toEqual(['PERMISSION', 3]);
    const [failed] = await ledgerRuns(db);
    expect(failed.status).toBe('failed');
    expect(failed.last_error).toMatch(/permission denied/);
    // Each committed batch is whole: rows written so far are right, the rest still eligible.
    expect((await updateCounts(db)).twice).toBe(0);
    expect(await eligibleCount(db)).toBeGreaterThan(0);

    await db.query(`GRANT UPDATE ON public.aibridge_token_usages TO ${role}`);
    const second = await backfill(db, { databaseUrl: asRole.toString(), workers: 2, batchSize: 200 });
    const failedRunId = first.result.status === 'failed' ? first.result.runId : null;
    expect(failedRunId).toBe(Number(failed.id));
    expect(second.result.status === 'completed' && [second.result.resumed, second.result.runId], JSON.stringify(second.result)).toEqual([
      true,
      failedRunId,
    ]);
    expect(await wrongRows(db)).toEqual([]);
    expect(await updateCounts(db)).toEqual({ rows: needed, twice: 0 });
  });
});
