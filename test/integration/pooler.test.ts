/**
 * Behind a real PgBouncer (the Debian package, configured by test/harness/pgbouncer.ts):
 * - in transaction mode, `up`, `down` and `backfill` refuse with exit 10 before changing
 *   anything, while `status`, `verify` and the dry runs work and leave no session setting on
 *   the pooled server connections;
 * - with --pooler-ok they run, and afterwards no advisory lock is left on any backend and a
 *   direct backfill starts at once; two concurrent backfills never write a row twice;
 * - a run lock left on a pooled server connection is named, with the query that ends it;
 * - in session mode nothing is refused; in statement mode even --pooler-ok is.
 * Skipped, saying why, only where the pgbouncer binary is missing (CI installs it: .ci/run).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackfill } from '../../src/backfill/index.js';
import { convergeLockName, runLockName } from '../../src/backfill/run/run-lock.js';
import { releaseAdvisoryLock, tryAdvisoryLock, withTransactionLock } from '../../src/db/advisory-lock.js';
import { connect } from '../../src/db/connect.js';
import { onServerSession } from '../../src/db/pooler/reach-session.js';
import { keepSessionLocks } from '../../src/db/session-locks.js';
import type { Session } from '../../src/db/port.js';
import { targetFromUrl } from '../../src/db/target.js';
import { requireOneServerSession, sessionCheck } from '../../src/db/pooler/require-session.js';
import { migrateDown, migrateUp } from '../../src/migrate/index.js';
import { verify } from '../../src/verify/index.js';
import { tables } from '../../src/names.js';
import { installUpdateAudit, auditCounts } from '../harness/table-checks.js';
import { runCliProcess, startCliProcess } from '../harness/cli-process.js';
import { deferred } from '../harness/deferred.js';
import { findPgBouncer, startTraffic, startPgBouncer, type PgBouncer } from '../harness/pgbouncer.js';
import { downToColumns, SHIPPED_MIGRATIONS } from '../harness/toolkit-schema.js';
import { eligibleCount, preparedDatabase, wrongRows } from '../harness/backfill.js';
import { systemRuntime } from '../../src/runtime.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

const pgbouncerBinary = findPgBouncer();
if (!pgbouncerBinary) console.warn('[pooler] skipped: no pgbouncer binary (install it: apt-get install -y pgbouncer)');

/**
 * Checks made under traffic. Before the check looked at what its first server session did while
 * it waited, `up` through the CLI went on through this pool in 1 run of 30 (docs/poolers.md),
 * and 150 checks here failed 2 runs of 3.
 */
const CHECKS_UNDER_TRAFFIC = 300;

/** The system's runtime with its log silenced: the checks here run by the hundred. */
function quietRuntime() {
  return { ...systemRuntime(), log: { info: () => {}, debug: () => {}, warn: () => {} } };
}

const RUN_LOCK = runLockName('aibridge_migrate', tables('public', 'aibridge_migrate'));
const CONVERGE_LOCK = convergeLockName(tables('public', 'aibridge_migrate'));

/** Advisory locks held in `db`'s database, with their sessions' state. */
async function advisoryLocks(db: Db): Promise<{ pid: number; state: string | null; application_name: string }[]> {
  const { rows } = await db.query(
    `SELECT l.pid, a.state, a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)
      WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows;
}

/**
 * The settings the toolkit sets for a session, as every pooled server connection sees them:
 * `poolSize` clients hold a transaction each at once, so each is on a server connection of
 * its own and together they cover the whole pool.
 */
async function pooledSettings(url: string, poolSize: number): Promise<string[]> {
  const clients = await Promise.all(
    Array.from({ length: poolSize }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('BEGIN');
      return client;
    }),
  );
  try {
    const seen = await Promise.all(
      clients.map(async (client) => {
        const { rows } = await client.query(
          `SELECT current_setting('lock_timeout') || ' ' || current_setting('idle_in_transaction_session_timeout') || ' ' ||
                  current_setting('default_transaction_isolation') AS s`,
        );
        return rows[0].s as string;
      }),
    );
    return [...new Set(seen)];
  } finally {
    await Promise.all(clients.map((c) => c.query('ROLLBACK').then(() => c.end())));
  }
}

/**
 * Ends server sessions and waits until they are gone: pg_terminate_backend only signals, and a
 * dying session's locks (and its place in PgBouncer's pool) linger for a moment.
 */
async function terminate(db: Db, pids: readonly number[]): Promise<void> {
  for (const pid of pids) await db.query(`SELECT pg_terminate_backend($1)`, [pid]);
  while ((await db.query(`SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[])`, [pids])).rows.length > 0) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Clients take the pool's server sessions in open transactions until one is handed `pid`; the
 * others then let go. That one is returned with its transaction open: the server session stays
 * busy until it ends.
 */
async function occupy(url: string, pid: number, poolSize: number): Promise<pg.Client> {
  const clients: pg.Client[] = [];
  let busy: pg.Client | undefined;
  while (!busy && clients.length < poolSize) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('BEGIN');
    clients.push(client);
    if ((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid === pid) busy = client;
  }
  for (const client of clients.filter((c) => c !== busy)) await client.query('ROLLBACK').then(() => client.end());
  expect(busy, `a pool of ${poolSize} hands out every server session within ${poolSize} clients`).toBeDefined();
  return busy!;
}

/** The sessions holding the backfill's run lock. */
async function runLockHolders(db: Db): Promise<number[]> {
  const { rows } = await db.query(
    `SELECT l.pid FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.classid = ((hashtextextended($1, 0) >> 32) & 4294967295)::oid AND l.objid = (hashtextextended($1, 0) & 4294967295)::oid`,
    [RUN_LOCK],
  );
  return rows.map((r) => r.pid);
}

async function bookkeeping(db: Db): Promise<string[]> {
  const { rows } = await db.query(`SELECT name FROM public.aibridge_migrate_migrations ORDER BY id`);
  return rows.map((r) => r.name);
}

describe.skipIf(!pgbouncerBinary)('through PgBouncer in transaction mode (pool_mode = transaction, default_pool_size = 4)', () => {
  let db: Db;
  let bouncer: PgBouncer;
  let pooled: string;
  const cli = (args: string[], url = pooled) => runCliProcess([...args, '--database-url', url]);

  beforeAll(async () => {
    db = await preparedDatabase(3_000, 25);
    bouncer = await startPgBouncer({ serverUrl: db.url, poolMode: 'transaction', poolSize: 4 });
    pooled = bouncer.url(db.name);
  });
  afterAll(async () => {
    await bouncer?.stop();
    await db?.drop();
  });

  it('up, down and backfill refuse with exit 10, naming the pooler and the fix, and change nothing', async () => {
    // The ledger's migrations reverted directly, so `up` has something to do.
    await downToColumns(db.url);
    const before = {
      migrations: await bookkeeping(db),
      rows: (await db.query(`SELECT md5(string_agg(t::text, ',' ORDER BY id)) AS h FROM aibridge_token_usages t`)).rows[0].h,
    };

    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(10);
    expect(up.stderr).toMatch(
      /up refused: 127\.0\.0\.1:\d+\/\S+ is reached through a transaction-mode pooler \(PgBouncer [\d.]+, pool_mode = transaction\)/,
    );
    expect(up.stderr).toMatch(/Nothing was changed/);
    expect(up.stderr).toMatch(/pool_mode = session/);
    expect(up.stderr).toMatch(/Supavisor .*6543/);
    expect(up.stderr).toMatch(/RDS Proxy/);
    expect(up.stderr).toMatch(/--pooler-ok/);

    const down = await cli(['down', '--json']);
    expect(down.code, down.stderr).toBe(10);
    expect(JSON.parse(down.stdout)).toMatchObject({
      status: 'error',
      error: { code: 'POOLER', exit_code: 10, details: { pooler_mode: 'transaction' } },
    });

    const backfill = await cli(['backfill']);
    expect(backfill.code, backfill.stderr).toBe(10);
    expect(backfill.stderr).toMatch(/backfill refused/);

    expect(await bookkeeping(db)).toEqual(before.migrations);
    const { rows } = await db.query(`SELECT md5(string_agg(t::text, ',' ORDER BY id)) AS h FROM aibridge_token_usages t`);
    expect(rows[0].h).toBe(before.rows);
    const ledger = await db.query(`SELECT to_regclass('aibridge_migrate.backfill_runs') AS t`);
    expect(ledger.rows[0].t).toBeNull();
    expect(await advisoryLocks(db)).toEqual([]);
    // The probe and the refusals set nothing on the server connections other clients get next.
    expect(await pooledSettings(pooled, 4)).toEqual(['0 0 read committed']);
  });

  it('with other clients busy on the pool, the check finds the transaction pooler every time', async () => {
    // Four clients on a pool of four: the check must still see the pooling.
    const traffic = await startTraffic(pooled, 4);
    const runtime = quietRuntime();
    const verdicts: string[] = [];
    try {
      for (let i = 0; i < CHECKS_UNDER_TRAFFIC; i++) {
        const client = await connect({ target: targetFromUrl(pooled), applicationName: 'aibridge-migrate test', runtime });
        try {
          const verdict = await requireOneServerSession(
            client,
            sessionCheck(client, { command: 'up', poolerOk: true, target: targetFromUrl(pooled), runtime }),
          );
          verdicts.push(verdict.kind === 'session' ? `session: ${verdict.reason}` : 'pooled');
        } finally {
          await client.end();
        }
      }
    } finally {
      await traffic.stop();
    }
    expect(verdicts.filter((v) => v !== 'pooled')).toEqual([]);
  });

  it('a direct connection is known by both ends of its socket, without a second connection', async () => {
    const runtime = quietRuntime();
    const target = targetFromUrl(db.url);
    const client = await connect({ target, applicationName: 'aibridge-migrate test', runtime });
    try {
      const opened: string[] = [];
      const open = async () => {
        opened.push('helper');
        throw new Error('no second connection expected');
      };
      const verdict = await requireOneServerSession(
        client,
        sessionCheck(client, { command: 'up', poolerOk: false, target, runtime, open }),
      );
      expect(verdict).toMatchObject({ kind: 'session', reason: expect.stringMatching(/a direct connection/) });
      expect(opened).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('status, verify, up --dry-run and backfill --dry-run work through it and leave no session setting behind', async () => {
    await migrateUp({ databaseUrl: db.url });

    const status = await cli(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ command: 'status', pending: [] });

    expect(await migrateUp({ databaseUrl: pooled, dryRun: true })).toMatchObject({ dryRun: true, failure: null, pending: [] });

    const dry = await cli(['backfill', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const needed = await eligibleCount(db);
    expect(JSON.parse(dry.stdout).report.wouldUpdate).toBe(needed);

    // Parity does not hold yet: verify says so (exit 1) with the whole report, read in one snapshot.
    const verify = await cli(['verify', '--format', 'json']);
    expect(verify.code, verify.stderr).toBe(1);
    expect(JSON.parse(verify.stdout).checks.find((c: { id: string }) => c.id === 'row_parity')).toMatchObject({ status: 'fail' });

    expect(await advisoryLocks(db)).toEqual([]);
    expect(await pooledSettings(pooled, 4)).toEqual(['0 0 read committed']);
  });

  it('with --pooler-ok, backfill runs through it, leaves no advisory lock behind, and a direct backfill starts at once', async () => {
    const run = await cli(['backfill', '--pooler-ok', '--batch-size', '200']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /backfill goes on through a transaction-mode pooler \(PgBouncer [\d.]+, pool_mode = transaction\) because of --pooler-ok/,
    );
    expect(await wrongRows(db)).toEqual([]);
    expect(await advisoryLocks(db)).toEqual([]);
    expect(await pooledSettings(pooled, 4)).toEqual(['0 0 read committed']);

    // Nothing prepared through it: a named statement would be missing from the server
    // connection the next statement gets, or left on one another client gets next.
    const named: string[] = [];
    const original = pg.Client.prototype.query as (...args: unknown[]) => Promise<unknown>;
    (pg.Client.prototype as { query: unknown }).query = function (this: pg.Client, ...args: unknown[]) {
      const [config] = args;
      if (typeof config === 'object' && config !== null && 'name' in config)
        named.push(String((config as unknown as { text: string }).text));
      return original.apply(this, args);
    };
    try {
      const again = await runBackfill({ databaseUrl: pooled, poolerOk: true, restart: true, batchSize: 200 });
      expect(again.status, again.status === 'failed' ? again.error.message : '').toBe('completed');
    } finally {
      (pg.Client.prototype as { query: unknown }).query = original;
    }
    expect(named).toEqual([]);

    const direct = await runBackfill({ databaseUrl: db.url });
    expect(direct.status, direct.status === 'failed' ? direct.error.message : '').toBe('completed');
    // Read in one snapshot through the pooler: no row is pending any more (the fixture's
    // application-written rows stay conflicts, which the backfill never touches).
    const { report } = await verify({ databaseUrl: pooled });
    expect(report.checks.find((c) => c.id === 'row_parity')?.summary).toMatch(/ 0 pending, /);
  });

  it('with --pooler-ok, down and up run through it and leave no advisory lock behind', async () => {
    const warnings: string[] = [];
    const deps = { log: { info: () => {}, debug: () => {}, warn: (m: string) => warnings.push(m) } };
    await migrateDown({ databaseUrl: pooled, poolerOk: true }, deps);
    expect(await bookkeeping(db)).toEqual(SHIPPED_MIGRATIONS.slice(0, -1));
    await migrateUp({ databaseUrl: pooled, poolerOk: true }, deps);
    expect(warnings.filter((w) => /goes on through a transaction-mode pooler/.test(w))).toHaveLength(2);
    expect(await bookkeeping(db)).toEqual(SHIPPED_MIGRATIONS);
    expect(await advisoryLocks(db)).toEqual([]);
    expect(await pooledSettings(pooled, 4)).toEqual(['0 0 read committed']);
  });

  it('two concurrent backfills with --pooler-ok never write a row twice, and leave no lock behind', async () => {
    // Every row back to (0, 0) (the application-written ones too: now they are the rule's to
    // fill) and a fresh ledger, then an audit trigger counting each row's writes.
    await db.query(`UPDATE aibridge_token_usages SET cache_read_input_tokens = 0, cache_write_input_tokens = 0`);
    await db.query(`TRUNCATE aibridge_migrate.backfill_ranges, aibridge_migrate.backfill_runs CASCADE`);
    db.appWritten.clear();
    await installUpdateAudit(db);
    const needed = await eligibleCount(db);

    // Beside other clients' traffic, which moves our statements between server sessions.
    const traffic = await startTraffic(pooled, 2);
    const [a, b] = await Promise.all([
      cli(['backfill', '--pooler-ok', '--debug', '--batch-size', '50']),
      cli(['backfill', '--pooler-ok', '--debug', '--batch-size', '50']),
    ]).finally(() => traffic.stop());
    // Each either ran or was refused because the other held the run lock (exit 7); the
    // pooler may also let both in (both on one server session). Whatever it did:
    for (const exit of [a, b]) expect([0, 7], exit.stderr).toContain(exit.code);
    expect([a.code, b.code]).toContain(0);
    // What --pooler-ok guarantees: no row is written twice (a batch writes a row only while it
    // is the very version it read, with both columns still 0), and every row ends right.
    const audit = await auditCounts(db);
    expect(audit.twice, 'rows written more than once').toEqual([]);
    expect(audit.total).toBe(needed);
    expect(await wrongRows(db)).toEqual([]);
    // Two runs handed one server session may both hold its locks, and an unlock may run on
    // another server session: each run then unlocks again on the session that holds the lock.
    expect(await advisoryLocks(db)).toEqual([]);
    const stderr = `${a.stderr}\n${b.stderr}`;
    const missed = (stderr.match(/was not released/g) ?? []).length;
    const unlockedWhereHeld = (stderr.match(/released on backend pid \d+, which did$/gm) ?? []).length;
    console.log(
      `[pooler] two concurrent backfills --pooler-ok: exits ${a.code} and ${b.code}; ${audit.total} rows written once each; no lock left; ${unlockedWhereHeld} unlock(s) run again where the lock was; ${missed} reported left`,
    );
  });

  it('an unlock that runs on another server session is reported with the backend pid that keeps the lock', async () => {
    const warnings: string[] = [];
    const client = await connect({ target: targetFromUrl(pooled), applicationName: 'aibridge-migrate test', runtime: systemRuntime() });
    const session = keepSessionLocks(client, { warn: (m) => warnings.push(m), sessionOutlivesConnection: true });
    expect(await tryAdvisoryLock(session, 'pooler test lock')).toBe(true);
    const [lock] = await advisoryLocks(db);
    expect(lock).toBeDefined();
    const held = lock!;
    // Other clients take server sessions in open transactions until one has the lock's: the
    // unlock must then run on another one.
    const busy = await occupy(pooled, held.pid, 4);

    const outcome = await releaseAdvisoryLock(session, 'pooler test lock');
    expect(outcome.released).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/the session advisory lock "pooler test lock" was not released: pg_advisory_unlock ran on backend pid \d+/);
    expect(warnings[0]).toContain(`Still held by backend pid ${held.pid}`);

    await busy.query('ROLLBACK').then(() => busy.end());
    await session.end();
    // The lock stays with that server session until it is ended, as the warning says.
    expect((await advisoryLocks(db)).map((l) => l.pid)).toEqual([held.pid]);
    await terminate(db, [held.pid]);
  });

  it('a lock held while a run is joined ends with its transaction: a second joiner waits for it, and no server session keeps it', async () => {
    const open = () => connect({ target: targetFromUrl(pooled), applicationName: 'aibridge-migrate test', runtime: systemRuntime() });
    const [first, second, third] = await Promise.all([open(), open(), open()]);
    const { sleep } = systemRuntime();
    const order: string[] = [];
    const hold = deferred();
    // Each joiner records when its work runs; the first's lasts until `hold` is resolved.
    const join = (session: Session, name: string, signal = new AbortController().signal, until = Promise.resolve()) =>
      withTransactionLock(session, 'pooler setup test', { signal, sleep, pollMs: 20 }, async () => {
        order.push(name);
        await until;
      });
    const firstDone = join(first, 'first', undefined, hold.promise);
    while (order.length === 0) await new Promise((r) => setTimeout(r, 10));
    const secondDone = join(second, 'second');
    const stop = new AbortController();
    const thirdDone = join(third, 'third', stop.signal);
    await new Promise((r) => setTimeout(r, 300));
    expect(order).toEqual(['first']);
    stop.abort();
    expect(await thirdDone).toBeNull();
    hold.resolve();
    await firstDone;
    expect(await secondDone).toEqual({ value: undefined });
    expect(order).toEqual(['first', 'second']);
    // No unlock ran anywhere, and no server session of the pool holds it.
    expect(await advisoryLocks(db)).toEqual([]);
    await Promise.all([first.end(), second.end(), third.end()]);
  });

  it('an unlock that ran on another server session runs again on the one that holds the lock, once that comes free', async () => {
    const warnings: string[] = [];
    const target = targetFromUrl(pooled);
    const open = (applicationName: string) => connect({ target, applicationName, runtime: systemRuntime() });
    const client = await open('aibridge-migrate test');
    const session = keepSessionLocks(client, {
      warn: (m) => warnings.push(m),
      sessionOutlivesConnection: true,
      reach: (pid, work) =>
        onServerSession(pid, work, {
          connect: () => open('aibridge-migrate test (unlock)'),
          maxHelpers: 8,
          waitMs: 5_000,
          sleep: systemRuntime().sleep,
        }),
    });
    expect(await tryAdvisoryLock(session, 'pooler test lock')).toBe(true);
    const [held] = await advisoryLocks(db);
    // Another client's transaction on the holder: the unlock runs elsewhere, and the session
    // that holds the lock is busy until that transaction ends.
    const busy = await occupy(pooled, held!.pid, 4);

    const releasing = releaseAdvisoryLock(session, 'pooler test lock');
    await new Promise((r) => setTimeout(r, 300));
    expect((await advisoryLocks(db)).map((l) => l.pid)).toEqual([held!.pid]);
    await busy.query('ROLLBACK').then(() => busy.end());
    const outcome = await releasing;

    // The first unlock missed (its outcome says so); the second, on the holder, released it.
    expect(outcome.released).toBe(false);
    expect(warnings).toEqual([]);
    expect(await advisoryLocks(db)).toEqual([]);
    await session.end();
  });

  it('a run lock left on a pooled server connection: exit 7 names the idle session and the query that ends it', async () => {
    // What a backfill that only closed its connection left behind before: the lock stays with
    // the server session, which PgBouncer keeps for its next client.
    const leaker = new pg.Client({ connectionString: pooled, application_name: 'leaky-tool' });
    await leaker.connect();
    await leaker.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [RUN_LOCK]);
    await leaker.end();
    const [heldPid] = await runLockHolders(db);
    expect(heldPid).toBeDefined();
    const held = { pid: heldPid! };

    const refused = await runCliProcess(['backfill', '--database-url', db.url]);
    expect(refused.code, refused.stderr).toBe(7);
    expect(refused.stderr).toMatch(new RegExp(`session pid ${held.pid} \\(idle`));
    expect(refused.stderr).toMatch(
      /another backfill of public\.aibridge_token_usages is running: .*; probably not, though: session pid \d+ \(idle/,
    );
    expect(refused.stderr).toContain(`SELECT pg_terminate_backend(${held.pid})`);

    // --wait would wait for ever: once it has waited STILL_WAITING_MS for a holder idle all
    // that time, it says so; ended as advised, the lock is free and the run goes on.
    const waiting = startCliProcess(['backfill', '--wait', '--database-url', db.url]);
    await waiting.waitForStderr(`still waiting for the session advisory lock "${RUN_LOCK}"`);
    expect(waiting.stderr()).toContain(`SELECT pg_terminate_backend(${held.pid})`);
    await terminate(db, [held.pid]);
    const after = await waiting.exit;
    expect(after.code, after.stderr).toBe(0);
  });

  it('a convergence lock left on a pooled server connection: the idle lane names the session after 10 s, and goes on once it is ended', async () => {
    const leaker = new pg.Client({ connectionString: pooled, application_name: 'leaky-tool' });
    await leaker.connect();
    await leaker.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [CONVERGE_LOCK]);
    await leaker.end();
    const { rows } = await db.query(
      `SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
          AND l.classid = ((hashtextextended($1, 0) >> 32) & 4294967295)::oid AND l.objid = (hashtextextended($1, 0) & 4294967295)::oid`,
      [CONVERGE_LOCK],
    );
    const held = rows[0]!.pid as number;

    // The run has nothing left to claim and waits for the end of its pass, which needs that lock.
    const waiting = startCliProcess(['backfill', '--database-url', db.url]);
    await waiting.waitForStderr(`still waiting for the session advisory lock "${CONVERGE_LOCK}"`);
    expect(waiting.stderr()).toContain(`SELECT pg_terminate_backend(${held})`);
    await terminate(db, [held]);
    const after = await waiting.exit;
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr.match(/still waiting/g)).toHaveLength(1);
  });
});

describe.skipIf(!pgbouncerBinary)('through PgBouncer in session or statement mode', () => {
  let db: Db;
  let session: PgBouncer;
  let statement: PgBouncer;
  beforeAll(async () => {
    db = await preparedDatabase(1_000, 26);
    [session, statement] = await Promise.all([
      startPgBouncer({ serverUrl: db.url, poolMode: 'session', poolSize: 4 }),
      startPgBouncer({ serverUrl: db.url, poolMode: 'statement', poolSize: 4 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([session?.stop(), statement?.stop()]);
    await db?.drop();
  });

  it('session mode keeps one server session per client: up, backfill and down are not refused', async () => {
    const url = session.url(db.name);
    const backfill = await runCliProcess(['backfill', '--database-url', url]);
    expect(backfill.code, backfill.stderr).toBe(0);
    expect(backfill.stderr).not.toMatch(/pooler/);
    expect(await wrongRows(db)).toEqual([]);
    const warnings: string[] = [];
    const deps = { log: { info: () => {}, debug: () => {}, warn: (m: string) => warnings.push(m) } };
    expect((await migrateDown({ databaseUrl: url }, deps)).reverted?.name).toBe(SHIPPED_MIGRATIONS.at(-1));
    expect(await migrateUp({ databaseUrl: url }, deps)).toMatchObject({ applied: [{ name: SHIPPED_MIGRATIONS.at(-1) }] });
    expect(warnings).toEqual([]);
    expect(await advisoryLocks(db)).toEqual([]);
  });

  it('statement mode is refused even with --pooler-ok, and status says why it cannot read: nothing could run there', async () => {
    const refused = await runCliProcess(['up', '--pooler-ok', '--database-url', statement.url(db.name)]);
    expect(refused.code, refused.stderr).toBe(10);
    expect(refused.stderr).toMatch(/statement-mode pooler \(PgBouncer [\d.]+, pool_mode = statement\)/);
    expect(refused.stderr).toMatch(/--pooler-ok cannot help/);
    // status reads in a transaction too: the same exit and the fix, not "lost the connection".
    const status = await runCliProcess(['status', '--database-url', statement.url(db.name)]);
    expect(status.code, status.stderr).toBe(10);
    expect(status.stderr).toMatch(/is reached through a statement-mode pooler while reading migration status/);
  });
});
