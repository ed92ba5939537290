/**
 * `up` against a table another session holds: it must wait in short, bounded slices (so the
 * application's queries queued behind its ALTER never wait longer than lock_timeout), retry,
 * and either succeed once the holder ends or fail with exit code 4 and nothing applied.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { LockTimeoutError } from '../../src/errors.js';
import { MIGRATION_LOCK_ID } from '../../src/migrate/bookkeeping.js';
import { migrateUp, type UpResult } from '../../src/migrate/index.js';
import type { TestDatabase } from '../harness/database.js';
import { columnsOf, freshDatabase, testDeps } from '../harness/migrate.js';
import { SHIPPED_MIGRATIONS } from '../harness/toolkit-schema.js';

const LOCK_TIMEOUT_MS = 400;
/** Generous: scheduling on a shared 2-core machine, not performance, is what this absorbs. */
const MARGIN_MS = 1500;

async function openClient(url: string, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Application-like traffic on its own connection: reads and writes, each statement timed. */
function startTraffic(client: pg.Client) {
  const latencies: number[] = [];
  let stop = false;
  const done = (async () => {
    let i = 0;
    while (!stop) {
      const started = performance.now();
      if (i % 2 === 0) {
        await client.query('SELECT count(*) FROM aibridge_token_usages WHERE input_tokens > $1', [i]);
      } else {
        await client.query(
          `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
           VALUES (gen_random_uuid(), gen_random_uuid(), 'traffic', $1, 1, '{}', now())`,
          [i],
        );
      }
      latencies.push(performance.now() - started);
      i++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    latencies,
    async stop() {
      stop = true;
      await done;
    },
  };
}

async function bookkeepingNames(db: TestDatabase): Promise<string[]> {
  const exists = await db.query(`SELECT to_regclass('public.aibridge_migrate_migrations') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) return [];
  return (await db.query('SELECT name FROM public.aibridge_migrate_migrations ORDER BY id')).rows.map((r) => r.name);
}

describe('up while another transaction holds the table', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
    await generateDataset(db.pool, { rows: 2000, seed: 3 });
  });
  afterAll(() => db.drop());

  it('waits and retries without blocking traffic longer than lock_timeout, names the holder, and succeeds once it commits', async () => {
    const blocker = await openClient(db.url, 'test-blocker');
    const traffic = await openClient(db.url, 'test-traffic');
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT count(*) FROM aibridge_token_usages');
      const blockerPid = (await blocker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;

      const load = startTraffic(traffic);
      let waitsLogged = 0;
      let committed: Promise<unknown> | undefined;
      const { lines, deps } = testDeps();
      const log = {
        ...deps.log,
        warn: (message: string) => {
          deps.log.warn(message);
          // Release the table after the second refusal: up must have retried at least once.
          if (message.includes('lock not granted') && ++waitsLogged === 2) committed = blocker.query('COMMIT');
        },
      };
      const result = (await migrateUp(
        { databaseUrl: db.url, lockTimeout: `${LOCK_TIMEOUT_MS}ms`, lockRetries: 10, lockRetryDelay: '200ms' },
        { ...deps, log },
      )) as UpResult;
      await committed;
      await load.stop();

      expect(result.applied.map((m) => m.name)).toEqual(SHIPPED_MIGRATIONS);
      expect(result.lockWaits.length).toBeGreaterThanOrEqual(2);
      expect(result.attempts).toBe(result.lockWaits.length + 1);
      const firstWait = result.lockWaits[0]!;
      expect(firstWait.kind).toBe('lock_timeout');
      expect(firstWait.blockers).toContainEqual(
        expect.objectContaining({
          pid: blockerPid,
          applicationName: 'test-blocker',
          state: 'idle in transaction',
          granted: true,
          modes: ['AccessShareLock'],
        }),
      );
      expect(lines.some((l) => l.includes(`pid ${blockerPid}, application_name 'test-blocker'`) && l.includes('idle in transaction'))).toBe(
        true,
      );
      expect((await columnsOf(db.url)).map((c) => c.column_name)).toEqual(['cache_read_input_tokens', 'cache_write_input_tokens']);

      // The correctness bound: traffic ran throughout, and no statement queued behind the
      // waiting ALTER for longer than the lock timeout (plus scheduling slack).
      expect(load.latencies.length).toBeGreaterThan(5);
      const worst = Math.max(...load.latencies);
      console.info(
        `traffic: ${load.latencies.length} statements, slowest ${Math.round(worst)} ms (lock_timeout ${LOCK_TIMEOUT_MS} ms, ${result.lockWaits.length} lock waits)`,
      );
      expect(worst).toBeLessThan(LOCK_TIMEOUT_MS + MARGIN_MS);
    } finally {
      await blocker.end();
      await traffic.end();
    }
  });
});

describe('up when the retry budget is spent', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  it('fails with LockTimeoutError (exit 4) naming the holder, with nothing applied', async () => {
    const blocker = await openClient(db.url, 'long-report');
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM aibridge_token_usages LIMIT 1');
      const blockerPid = (await blocker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      let error: unknown;
      try {
        await migrateUp({ databaseUrl: db.url, lockTimeout: '200ms', lockRetries: 2, lockRetryDelay: '50ms' }, testDeps().deps);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LockTimeoutError);
      const lockError = error as LockTimeoutError;
      expect(lockError.exitCode).toBe(4);
      expect(lockError.message).toContain('was not granted in 3 attempt(s) of lock_timeout 200 ms');
      expect(lockError.message).toContain(`pid ${blockerPid} (long-report, idle in transaction)`);
      expect(lockError.message).toContain('Nothing was applied.');
      expect(lockError.details.attempts).toBe(3);
      expect(await columnsOf(db.url)).toEqual([]);
      expect(await bookkeepingNames(db)).toEqual([]);
      const ledger = await db.query(`SELECT to_regnamespace('aibridge_migrate') IS NULL AS absent`);
      expect(ledger.rows[0].absent).toBe(true);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
  });

  it('tells a concurrent up that another run holds the migration lock instead of hanging', async () => {
    const other = await openClient(db.url, 'aibridge-migrate up');
    try {
      await other.query('SELECT pg_advisory_lock($1::bigint)', [String(MIGRATION_LOCK_ID)]);
      const otherPid = (await other.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      let error: unknown;
      try {
        await migrateUp({ databaseUrl: db.url, lockTimeout: '200ms', lockRetries: 1, lockRetryDelay: '50ms' }, testDeps().deps);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect((error as LockTimeoutError).message).toContain(
        'another aibridge-migrate up/down held the migration lock through 2 attempt(s)',
      );
      expect((error as LockTimeoutError).message).toContain(`pid ${otherPid} (aibridge-migrate up, idle)`);
      expect(await columnsOf(db.url)).toEqual([]);
    } finally {
      await other.end();
    }
    // Once the other run is gone, up proceeds normally.
    const result = (await migrateUp({ databaseUrl: db.url }, testDeps().deps)) as UpResult;
    expect(result.applied).toHaveLength(SHIPPED_MIGRATIONS.length);
  });
});

describe('two up runs at once (two deploy jobs)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  it('applies each migration exactly once; the later run waits for the lock, then finds nothing pending', async () => {
    const options = { databaseUrl: db.url, lockRetries: 50, lockRetryDelay: '20ms' };
    const results = (await Promise.all([migrateUp(options, testDeps().deps), migrateUp(options, testDeps().deps)])) as UpResult[];
    const appliedByEach = results.map((r) => r.applied.map((m) => m.name));
    expect(appliedByEach.flat().sort()).toEqual(SHIPPED_MIGRATIONS);
    expect(await bookkeepingNames(db)).toEqual(SHIPPED_MIGRATIONS);
    expect((await columnsOf(db.url)).map((c) => c.column_name)).toEqual(['cache_read_input_tokens', 'cache_write_input_tokens']);
  });
});
