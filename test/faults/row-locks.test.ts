/**
 * Fault 4: an application transaction holds row locks on part of a batch for longer than
 * --lock-timeout. The batch gives up its own wait (lock_timeout is local to the batch
 * transaction), halves, backs off and retries; the run completes once the rows are free. The
 * application transaction is never cancelled: it commits its own change afterwards, and that
 * change is what the columns end up reflecting.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedDatabase } from '../harness/backfill.js';
import { startCli } from '../harness/fault-cli.js';
import { applicationWrittenOf, auditCounts, auditFrom, tableProblems, type Snapshot } from '../harness/table-checks.js';
import { DEFAULT_WALK } from '../harness/walks.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

describe('row locks held by the application longer than the lock timeout', () => {
  let db: Db;
  let before: Snapshot;
  beforeAll(async () => ({ db, before } = await auditFrom(await preparedDatabase(10_000, 31))));
  afterAll(() => db?.drop());

  it('backs off and splits, never cancels the holder, and completes', async () => {
    const holder = new pg.Client({ connectionString: db.url, application_name: 'coder-app' });
    await holder.connect();
    const { rows: pidRow } = await holder.query('SELECT pg_backend_pid() AS pid');
    await holder.query('BEGIN');
    // 20 eligible rows at 40% of the key space: inside whatever batch gets there.
    const { rows: locked } = await holder.query(
      `SELECT id::text AS id FROM aibridge_token_usages
        WHERE id > '66666666-0000-0000-0000-000000000000' AND metadata ? 'cache_read_input' AND cache_read_input_tokens = 0 AND cache_write_input_tokens = 0
        ORDER BY id LIMIT 20 FOR UPDATE`,
    );
    expect(locked).toHaveLength(20);

    const child = startCli([
      'backfill',
      '--batch-size',
      '800',
      '--lock-timeout',
      '200ms',
      '--max-retries',
      '40',
      '--json',
      '--database-url',
      db.url,
    ]);
    let lockRetries = 0;
    await child.waitForEvent((e) => e.event === 'retry' && e.sqlstate === '55P03' && ++lockRetries >= 3);

    // Still alive and still holding its locks: the runner only ever gave up its own wait.
    const { rows: alive } = await db.query(`SELECT state FROM pg_stat_activity WHERE pid = $1`, [pidRow[0].pid]);
    expect(alive[0]?.state).toBe('idle in transaction');
    const changed = locked[0].id;
    await holder.query(
      `UPDATE aibridge_token_usages SET metadata = '{"cache_read_input": 4242, "cache_creation_input": 17}' WHERE id = $1`,
      [changed],
    );
    await holder.query('COMMIT');
    await holder.end();

    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(0);
    const retries = exit.events.filter((e) => e.event === 'retry');
    expect(retries.every((e) => e.sqlstate === '55P03' && e.action === 'split')).toBe(true);
    // The first refusal halved what the failed step tried: the key walk's 800-row batch, or the
    // page walk's round (two rows per page of its window: fewer than 800 here, on fewer than 400
    // pages); every retry ran smaller than the step that failed.
    if (DEFAULT_WALK === 'key') expect(retries[0]!.batch_size).toBe(400);
    else expect(retries[0]!.batch_size).toBeLessThan(400);
    expect(retries.every((e) => e.batch_size < 800)).toBe(true);
    expect(exit.events.at(-1)).toMatchObject({ event: 'finish', status: 'completed' });

    const { rows: md5 } = await db.query(
      `SELECT md5(metadata::text) AS h, cache_read_input_tokens::int AS r, cache_write_input_tokens::int AS w FROM aibridge_token_usages WHERE id = $1`,
      [changed],
    );
    expect(md5[0]).toMatchObject({ r: 4242, w: 17 });
    const problems = await tableProblems(db, {
      before,
      applicationWritten: applicationWrittenOf(before),
      metadataChanges: new Map([[changed, md5[0].h]]),
      allowPending: false,
    });
    expect(problems).toEqual([]);
    expect((await auditCounts(db)).twice).toEqual([]);
  });
});
