import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { deferred } from '../harness/deferred.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { WALKS } from '../harness/walks.js';
import {
  backfill,
  instrumentedConnect,
  ledgerRanges,
  ledgerRuns,
  preparedDatabase,
  rowsByPage,
  rowsOnCountedPages,
  wrongRows,
  isBatchStatement,
} from '../harness/backfill.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

describe('backfill: one runner at a time', () => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(3_000, 31);
  });
  afterAll(() => db.drop());

  it('a second runner fails at once naming the holder; with wait it starts when the first ends', async () => {
    const gate = deferred();
    const atGate = deferred();
    let begins = 0;
    const first = backfill(
      db,
      { batchSize: 500 },
      {
        host: 'deploy-box-1',
        pid: 4242,
        connect: instrumentedConnect(db.url, async (text) => {
          if (text === 'BEGIN' && ++begins === 2) {
            atGate.resolve();
            await gate.promise;
          }
        }),
      },
    );
    await atGate.promise;

    const second = await backfill(db, {}, { host: 'deploy-box-2', pid: 777 });
    expect(second.result.status).toBe('failed');
    if (second.result.status !== 'failed') return;
    expect(second.result.error.code).toBe('ALREADY_RUNNING');
    expect(second.result.error.exitCode).toBe(7);
    expect(second.result.error.message, second.result.error.message).toMatch(
      /run #\d+ on host deploy-box-1 pid 4242, started .*database session pid \d+/,
    );

    // A role that could never do the job hears that, not "already running" (single runner or workers).
    const role = `no_update_${process.pid}`;
    await db.query(`CREATE ROLE ${role} LOGIN`);
    await db.query(`GRANT USAGE ON SCHEMA aibridge_migrate TO ${role}`);
    await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public, aibridge_migrate TO ${role}`);
    try {
      const asRole = new URL(db.url);
      asRole.username = role;
      for (const workers of [undefined, 2]) {
        const denied = await backfill(db, { databaseUrl: asRole.toString(), ...(workers ? { workers } : {}) });
        expect(denied.result.status === 'failed' && [denied.result.error.code, denied.result.error.message]).toEqual([
          'PERMISSION',
          expect.stringContaining('lacks privileges the backfill needs: UPDATE on "public"."aibridge_token_usages"'),
        ]);
      }
    } finally {
      await db.query(`DROP OWNED BY ${role}`);
      await db.query(`DROP ROLE ${role}`);
    }

    const waiting = backfill(
      db,
      { wait: true },
      { host: 'deploy-box-3', pid: 778, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))) },
    );
    gate.resolve();
    const [a, b] = await Promise.all([first, waiting]);
    expect(a.result.status).toBe('completed');
    expect(b.result.status).toBe('completed');
    // The waiter ran only after the first finished, so it found nothing left to write.
    if (b.result.status === 'completed') expect(b.result.summary.rowsUpdated).toBe(0);
    expect(await wrongRows(db)).toEqual([]);
  });
});

describe.each(WALKS)('backfill: transient failures (%s walk)', (walk) => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(4_000, 41);
  });
  afterAll(() => db.drop());
  /**
   * A row the walk writes after about `n` rows: the key walk's `n`-th row in key order matching
   * `where`; for the page walk, the first row at or after the `n`-th in heap order that it writes.
   */
  const rowAfter = async (n: number, where: string) => {
    const eligible = `jsonb_typeof(metadata->'cache_read_input') = 'number' AND (metadata->>'cache_read_input')::numeric >= 1
                      AND cache_read_input_tokens = 0 AND cache_write_input_tokens = 0`;
    const { rows } =
      walk === 'key'
        ? await db.query(`SELECT id FROM aibridge_token_usages WHERE ${where} ORDER BY id OFFSET $1 LIMIT 1`, [n])
        : await db.query(
            `SELECT id FROM (SELECT id, ctid, metadata, cache_read_input_tokens, cache_write_input_tokens FROM aibridge_token_usages ORDER BY ctid OFFSET $1) AS t
              WHERE ${eligible} ORDER BY ctid LIMIT 1`,
            [n],
          );
    return rows[0].id as string;
  };

  it('reconnects after its session is terminated (pg_terminate_backend, 57P01) and finishes without repeating a batch', async () => {
    let begins = 0;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const connect = instrumentedConnect(db.url, async (text, session) => {
      if (isBatchStatement(text) && session === 1 && ++begins === 3) {
        // The DBA (or a failover) ends the runner's session in the middle of a batch.
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'aibridge-migrate backfill' AND pid <> pg_backend_pid() AND datname = current_database()`,
        );
      }
    });
    const { result, events } = await backfill(db, { batchSize: 300, walk }, { connect, sleep: async () => {} });
    await admin.end();
    expect(result.status).toBe('completed');
    expect(
      events.filter((e) => e.event === 'retry'),
      JSON.stringify(events.filter((e) => e.event === 'retry')),
    ).toEqual([expect.objectContaining({ action: 'reconnect', attempt: 1 })]);
    expect(await wrongRows(db)).toEqual([]);
    if (result.status === 'completed') expect(result.summary.rowsScanned).toBe(4_000);
  });

  it('after a reconnect, a runner that finds the lock taken stops without touching the ledger', async () => {
    await db.query(`UPDATE aibridge_token_usages SET cache_read_input_tokens = 0, cache_write_input_tokens = 0 WHERE NOT (id = ANY($1))`, [
      [...db.appWritten.keys()],
    ]);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    let batches = 0;
    const connect = instrumentedConnect(db.url, async (text, session) => {
      if (isBatchStatement(text) && session === 1 && ++batches === 2) {
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'aibridge-migrate backfill' AND datname = current_database()`,
        );
      }
      // While the runner is disconnected, another runner takes over.
      if (session === 2 && text.includes('pg_try_advisory_lock')) {
        await other.query(
          `SELECT pg_advisory_lock(hashtextextended('aibridge-migrate backfill aibridge_migrate "public"."aibridge_token_usages"', 0))`,
        );
        await other.query(`UPDATE aibridge_migrate.backfill_runs SET host = 'other-runner' WHERE status = 'running'`);
      }
    });
    const { result } = await backfill(db, { batchSize: 300, restart: true, walk }, { connect, sleep: async () => {} });
    expect(result.status === 'failed' && result.error.code).toBe('ALREADY_RUNNING');
    const run = (await ledgerRuns(db)).at(-1);
    expect([run.status, run.host]).toEqual(['running', 'other-runner']);
    await other.end();
    await admin.end();
    const finished = await backfill(db, { walk });
    expect(finished.result.status).toBe('completed');
    expect(await wrongRows(db)).toEqual([]);
  });

  it('splits a batch that meets a locked row (55P03) and carries on once the lock is gone', async () => {
    await db.query(`UPDATE aibridge_token_usages SET cache_read_input_tokens = 0, cache_write_input_tokens = 0 WHERE NOT (id = ANY($1))`, [
      [...db.appWritten.keys()],
    ]);
    const locked = await rowAfter(1000, `metadata ? 'cache_read_input'`);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM aibridge_token_usages WHERE id = $1 FOR UPDATE', [locked]);
    let retries = 0;
    const { result, events } = await backfill(
      db,
      { batchSize: 800, lockTimeout: '50ms', walk },
      {
        sleep: async () => {
          if (++retries === 3) await holder.query('COMMIT');
        },
      },
    );
    await holder.end();
    expect(result.status).toBe('completed');
    const retryEvents = events.filter((e) => e.event === 'retry');
    expect(retryEvents.length).toBeGreaterThanOrEqual(3);
    // The retry covers half the rows the failed step tried: half the key walk's 800-row batch;
    // half a page walk's round, which writes two rows per page of its window (fewer than 800 here:
    // the table has fewer than 400 pages).
    expect(retryEvents[0]).toMatchObject({ action: 'split', sqlstate: '55P03' });
    const { batchSize } = retryEvents[0] as { batchSize: number };
    if (walk === 'key') expect(batchSize).toBe(400);
    else expect(batchSize).toBeLessThan(400);
    expect(await wrongRows(db)).toEqual([]);
  });

  it('stops with RETRIES_EXHAUSTED (exit 8) when the lock outlasts the budget, and resumes later', async () => {
    await db.query(`UPDATE aibridge_token_usages SET cache_read_input_tokens = 0, cache_write_input_tokens = 0 WHERE NOT (id = ANY($1))`, [
      [...db.appWritten.keys()],
    ]);
    const locked = await rowAfter(2500, 'true');
    const pagesAtStart = await rowsByPage(db);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM aibridge_token_usages WHERE id = $1 FOR UPDATE', [locked]);
    const { result } = await backfill(
      db,
      { batchSize: 1000, lockTimeout: '30ms', maxRetries: 2, walk },
      { sleep: async () => {}, resumeCommand: 'aibridge-migrate backfill --batch-size 1000' },
    );
    expect(result.status).toBe('failed');
    if (result.status !== 'failed') return;
    expect(result.error.code).toBe('RETRIES_EXHAUSTED');
    expect(result.error.exitCode).toBe(8);
    expect(result.error.hint).toContain('aibridge-migrate backfill --batch-size 1000');
    expect(result.resumeCommand).toBe('aibridge-migrate backfill --batch-size 1000');
    const run = (await ledgerRuns(db)).at(-1);
    expect(run.status).toBe('failed');
    expect(run.last_error).toMatch(/failed 3 times/);
    // Work before the locked row is committed and checkpointed.
    const range = (await ledgerRanges(db)).filter((r) => Number(r.run_id) === Number(run.id))[0];
    if (walk === 'key') {
      // 1000-row batches up to the 2000th row; then the split halves commit 500 more rows; then
      // every batch starts at the locked 2501st row and fails until the budget is spent.
      expect(Number(range.rows_scanned)).toBe(2_500);
    } else {
      // The page walk read its window and counted exactly its pages; the rounds before the
      // locked row's committed, and the locked row was never written.
      expect(Number(range.rows_scanned)).toBe(await rowsOnCountedPages(db, pagesAtStart));
      expect(Number(range.rows_updated)).toBeGreaterThan(0);
    }
    const { rows: lockedNow } = await db.query(`SELECT cache_read_input_tokens::int AS r FROM aibridge_token_usages WHERE id = $1`, [
      locked,
    ]);
    expect(lockedNow[0].r).toBe(0);
    await holder.query('COMMIT');
    await holder.end();
    const resumed = await backfill(db, { batchSize: 1000, walk });
    expect(resumed.result.status).toBe('completed');
    if (resumed.result.status === 'completed') {
      expect(resumed.result.resumed).toBe(true);
      expect(resumed.result.summary.rowsScanned).toBe(4_000);
    }
    expect(await wrongRows(db)).toEqual([]);
  });
});

describe('backfill: permanent errors stop at once', () => {
  let db: TestDatabase;
  const role = `bf_reader_${process.pid}`;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  it('before `up`: a preflight error telling to run up first', async () => {
    const { result } = await backfill(db, {});
    expect(result.status).toBe('failed');
    if (result.status !== 'failed') return;
    expect(result.error.code).toBe('PREFLIGHT');
    expect(result.error.exitCode).toBe(5);
    expect(result.error.hint).toMatch(/aibridge-migrate up/);
  });

  it('a wrong --schema names the table and the option', async () => {
    const { result } = await backfill(db, { schema: 'nope' });
    expect(result.status === 'failed' && result.error.message).toMatch(/aibridge_token_usages not found in schema "nope"/);
  });

  it('a role without UPDATE: a permission error listing what to grant, nothing written', async () => {
    const { applyToolkitMigrations } = await import('../harness/toolkit-schema.js');
    await applyToolkitMigrations(db.url);
    await db.query(`INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
                    VALUES (gen_random_uuid(), gen_random_uuid(), 'r', 1, 1, '{"cache_read_input": 5}', now())`);
    await db.query(`CREATE ROLE ${role} LOGIN`);
    await db.query(`GRANT USAGE ON SCHEMA aibridge_migrate TO ${role}`);
    await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public, aibridge_migrate TO ${role}`);
    const url = new URL(db.url);
    url.username = role;
    const { runBackfill } = await import('../../src/backfill/index.js');
    const result = await runBackfill({ databaseUrl: url.toString() });
    expect(result.status).toBe('failed');
    if (result.status !== 'failed') return;
    expect(result.error.code, result.error.message).toBe('PERMISSION');
    expect(result.error.message, result.error.message).toMatch(
      /UPDATE on "public"."aibridge_token_usages"; INSERT, UPDATE on "aibridge_migrate"."backfill_runs"/,
    );
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM aibridge_migrate.backfill_runs`);
    expect(rows[0].n).toBe(0);
  });

  it('bad option values are rejected before connecting, in the shape every entry point uses', async () => {
    const { runBackfill } = await import('../../src/backfill/index.js');
    const error = await runBackfill({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none', batchSize: '0', targetBatchMs: 'fast' }).then(
      () => null,
      (e: unknown) => e as UsageError,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error!.code).toBe('USAGE');
    expect(error!.message).toMatch(/batchSize.*between 1 and/);
    expect(error!.message).toMatch(/targetBatchMs.*whole number/);
    await expect(runBackfill({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none', batchSizeMin: 500, batchSizeMax: 100 })).rejects.toThrow(
      /batchSizeMin.*must not exceed --batch-size-max \(100\)/,
    );
  });
});
