/**
 * The command line end to end, in a real child process: exit codes, signals, SIGKILL and
 * resume. The CLI runs from source through tsx's loader in ONE process (not `npx tsx`, which
 * forks), so a signal reaches the runner itself.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliProcess } from '../harness/cli-process.js';
import { WALKS } from '../harness/walks.js';
import {
  eligibleCount,
  ledgerRanges,
  ledgerRuns,
  preparedDatabase,
  rowsByPage,
  rowsOnCountedPages,
  wrongRows,
} from '../harness/backfill.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

const cli = (args: string[], env: Record<string, string> = {}) => startCliProcess(args, { env });

describe.each(WALKS)('backfill CLI: signals, SIGKILL and resume (%s walk)', (walk) => {
  let db: Db;
  let needed: number;
  let pagesAtStart: number[];
  beforeAll(async () => {
    db = await preparedDatabase(20_000, 61);
    needed = await eligibleCount(db);
    pagesAtStart = await rowsByPage(db);
  });
  afterAll(() => db.drop());
  const walkFlag = ['--walk', walk];
  /**
   * What the ledger says was counted is exactly what the committed steps covered: the key walk's
   * batches of 100 rows each, the page walk's pages up to counted_to_page.
   */
  const expectScannedAsCommitted = async (run: Record<string, any>) =>
    expect(Number(run.rows_scanned)).toBe(walk === 'key' ? Number(run.batches) * 100 : await rowsOnCountedPages(db, pagesAtStart));

  it('SIGINT: finishes the batch, checkpoints, prints the resume command, exits 130', async () => {
    const child = cli(['backfill', '--batch-size', '100', '--json', ...walkFlag], { DATABASE_URL: db.url });
    await child.batches(3);
    child.process.kill('SIGINT');
    const { code } = await child.exit;
    expect(code, child.stderr()).toBe(130);
    expect(child.stderr()).toMatch(new RegExp(`Resume with: aibridge-migrate backfill --json --batch-size 100 --walk ${walk}`));
    const finish = child.stdoutLines.map((l) => JSON.parse(l)).find((e) => e.event === 'finish');
    expect(finish).toMatchObject({
      status: 'interrupted',
      resume_command: `aibridge-migrate backfill --json --batch-size 100 --walk ${walk}`,
    });
    const [run] = await ledgerRuns(db);
    expect(run.status).toBe('interrupted');
    await expectScannedAsCommitted(run);
  });

  it('a second SIGINT aborts at once (exit 130), even with a batch stuck on a row lock, which rolls back', async () => {
    // An application transaction holds a row lock ahead of the walk: the batch that reaches
    // it waits (up to --lock-timeout), so the first SIGINT cannot finish it quickly. The row
    // must be one the backfill writes (a row it only reads, such as one the application wrote
    // or one whose value is anomalous, is never locked, and the run would not wait).
    const { rows } = await db.query(
      `SELECT id FROM aibridge_token_usages
        WHERE cache_read_input_tokens = 0 AND cache_write_input_tokens = 0 AND (metadata->>'cache_read_input') ~ '^[1-9][0-9]{0,8}$'
        ORDER BY ${walk === 'key' ? 'id' : 'ctid'} OFFSET 1500 LIMIT 1`,
    );
    const app = new pg.Client({ connectionString: db.url });
    await app.connect();
    await app.query('BEGIN');
    await app.query('SELECT 1 FROM aibridge_token_usages WHERE id = $1 FOR UPDATE', [rows[0].id]);
    const before = await ledgerRuns(db);
    const child = cli(['backfill', '--batch-size', '100', '--json', '--lock-timeout', '60s', ...walkFlag], { DATABASE_URL: db.url });
    for (;;) {
      const { rows: waiting } = await db.query(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = 'aibridge-migrate backfill' AND wait_event_type = 'Lock' AND datname = current_database()`,
      );
      if (waiting.length > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.process.kill('SIGINT');
    while (!child.stderr().includes('stopping after the current batch')) await new Promise((r) => setTimeout(r, 10));
    child.process.kill('SIGINT');
    const { code } = await child.exit;
    await app.query('ROLLBACK');
    await app.end();
    expect(code).toBe(130);
    expect(child.stderr()).toMatch(
      new RegExp(
        `SIGINT again: aborting now \\(the open batch rolls back; resume with: aibridge-migrate backfill --json --batch-size 100 --lock-timeout 60s --walk ${walk}\\)`,
      ),
    );
    const [run] = await ledgerRuns(db);
    expect(Number(run.batches)).toBeGreaterThan(Number(before[0].batches));
    // Whatever the ledger says was committed is exactly what the table holds (checked in full
    // by the resume below); the stuck batch left no trace.
    await expectScannedAsCommitted(run);
    const { rows: locked } = await db.query(`SELECT cache_read_input_tokens::int AS r FROM aibridge_token_usages WHERE id = $1`, [
      rows[0].id,
    ]);
    expect(locked[0].r).toBe(0);
  });

  it('SIGKILL mid-run, then the same command resumes and leaves every row exactly right, no batch repeated', async () => {
    const killed = cli(['backfill', '--batch-size', '100', '--json', ...walkFlag], { DATABASE_URL: db.url });
    await killed.batches(5);
    killed.process.kill('SIGKILL');
    const { signal } = await killed.exit;
    expect(signal).toBe('SIGKILL');
    const [dead] = await ledgerRuns(db);
    // Nobody could mark it: the ledger still says running, at its last committed checkpoint.
    expect(dead.status).toBe('running');
    expect(Number(dead.rows_scanned)).toBeLessThan(20_000);
    await expectScannedAsCommitted(dead);

    const resumed = cli(['backfill', '--batch-size', '100', '--json', ...walkFlag], { DATABASE_URL: db.url });
    const { code } = await resumed.exit;
    expect(code, resumed.stderr()).toBe(0);
    const events = resumed.stdoutLines.map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ event: 'start', resumed: true, run_id: Number(dead.id) });
    expect(events.at(-1)).toMatchObject({ event: 'finish', status: 'completed' });

    expect(await wrongRows(db)).toEqual([]);
    const [run] = await ledgerRuns(db);
    expect(run.status).toBe('completed');
    // Every row scanned exactly once by the first pass and every needed row written once:
    // nothing lost to the kill, nothing repeated after it.
    expect(Number(run.rows_scanned)).toBe(20_000);
    expect(Number(run.rows_updated)).toBe(needed);
    const first = (await ledgerRanges(db)).filter((r) => r.pass === 0);
    expect(first.reduce((s, r) => s + Number(r.rows_scanned), 0)).toBe(20_000);
  });
});

describe('backfill CLI: exit codes', () => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(3_000, 71);
  });
  afterAll(() => db.drop());

  it('rejects bad values before connecting, naming each flag (exit 2)', async () => {
    const child = cli([
      'backfill',
      '--batch-size',
      '0',
      '--target-batch-ms',
      'soon',
      '--lock-timeout',
      '-5',
      '--database-url',
      'postgres://u:secret@127.0.0.1:1/db',
    ]);
    const { code } = await child.exit;
    expect(code).toBe(2);
    expect(child.stderr()).toMatch(/batch-size.*between 1 and/);
    expect(child.stderr()).toMatch(/target-batch-ms.*whole number/);
    expect(child.stderr()).toMatch(/lock-timeout/);
    expect(child.stderr()).not.toMatch(/secret/);
  });

  it('another runner holds the lock: exit 7 naming its session', async () => {
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query(
      `SELECT pg_advisory_lock(hashtextextended('aibridge-migrate backfill ' || 'aibridge_migrate' || ' ' || '"public"."aibridge_token_usages"', 0))`,
    );
    const child = cli(['backfill'], { DATABASE_URL: db.url });
    const { code } = await child.exit;
    await holder.end();
    expect(code).toBe(7);
    expect(child.stderr()).toMatch(/another backfill of public.aibridge_token_usages is running: database session pid \d+/);
  });

  it('SIGTERM exits 143; --dry-run --json prints one JSON document and writes nothing', async () => {
    const child = cli(['backfill', '--batch-size', '50'], { DATABASE_URL: db.url });
    await new Promise<void>((resolve) => {
      const timer = setInterval(async () => {
        const { rows } = await db.query(`SELECT coalesce(sum(batches), 0)::int AS n FROM aibridge_migrate.backfill_runs`);
        if (rows[0].n >= 2) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    child.process.kill('SIGTERM');
    const { code } = await child.exit;
    expect(code, child.stderr()).toBe(143);
    expect(child.stdoutLines.join('\n')).toMatch(/resume with: aibridge-migrate backfill --batch-size 50/);

    const dry = cli(['backfill', '--dry-run', '--json'], { DATABASE_URL: db.url });
    expect((await dry.exit).code).toBe(0);
    const doc = JSON.parse(dry.stdoutLines.join('\n'));
    expect(doc.status).toBe('dry-run');
    expect(doc.report.wouldUpdate).toBe(await eligibleCount(db));
  });
});
