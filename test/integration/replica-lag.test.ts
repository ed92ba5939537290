/**
 * Replication-lag throttling against a real streaming standby: a dedicated primary (not the
 * shared test server: pg_stat_replication is server-wide, so a paused standby there would
 * throttle every other test file's backfill, and the shared server may be one we are only given
 * a URL to) and a `pg_basebackup -R` standby of it on loopback (test/harness/standby.ts).
 * Lag is made on demand by pausing the standby's replay. Skipped, saying why, when no
 * pg_basebackup of the primary's major or newer is found.
 *
 * Every wait is for a condition; the run's length is bounded from below by
 * --max-rows-per-second, so the standby falls behind by the limit long before the run could
 * end, however fast or loaded the machine.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { quoteIdent } from '../../src/db/identifier.js';
import { migrationStatus } from '../../src/migrate/index.js';
import { statusText } from '../../src/migrate/render.js';
import { evaluateMetadataText } from '../../src/rule/index.js';
import { runCliProcess, startCliProcess, type Cli } from '../harness/cli-process.js';
import { startEmbeddedServer, type EmbeddedServer } from '../harness/embedded-server.js';
import { requestedMajor } from '../harness/provision.js';
import { findPgBasebackup, startStandby, STANDBY_APPLICATION_NAME, type Standby } from '../harness/standby.js';
import { withDatabase, loadBaselineSchema } from '../harness/template.js';
import { applyToolkitMigrations } from '../harness/toolkit-schema.js';

const major = requestedMajor();
const basebackup = findPgBasebackup(major);
const skipReason = basebackup.status === 'missing' ? basebackup.reason : null;
if (skipReason) console.warn(`[replica-lag] skipped: ${skipReason}`);

/** Rows per database, and the scan rate: the run takes at least ROWS / RATE seconds. */
const ROWS = 12_000;
const RATE = 2_000;
const BACKFILL_APP = 'aibridge-migrate backfill';

interface Db {
  name: string;
  url: string;
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

async function withClient<T>(url: string, body: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

async function createDatabase(primary: EmbeddedServer, name: string, seed: number): Promise<Db> {
  await withClient(primary.url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  const url = withDatabase(primary.url, name);
  await loadBaselineSchema(url);
  await applyToolkitMigrations(url);
  await withClient(url, async (c) => {
    await generateDataset(c, { rows: ROWS, seed });
    await c.query('ANALYZE aibridge_token_usages');
  });
  return { name, url, query: (text, values) => withClient(url, (c) => c.query(text, values as unknown[])) };
}

/** Rows the backfill must write: both columns 0 and the rule gives something. */
async function eligible(db: Db): Promise<number> {
  const { rows } = await db.query(`SELECT metadata::text AS metadata FROM aibridge_token_usages`);
  return rows.filter((r) => {
    const rule = evaluateMetadataText(r.metadata);
    return rule.cacheRead !== 0n || rule.cacheWrite !== 0n;
  }).length;
}

/** Rows whose columns differ from what the rule reads from their metadata. */
async function wrongRows(db: Db): Promise<number> {
  const { rows } = await db.query(
    `SELECT metadata::text AS metadata, cache_read_input_tokens::text AS r, cache_write_input_tokens::text AS w FROM aibridge_token_usages`,
  );
  return rows.filter((r) => {
    const rule = evaluateMetadataText(r.metadata);
    return r.r !== rule.cacheRead.toString() || r.w !== rule.cacheWrite.toString();
  }).length;
}

const DIGEST_SQL = `SELECT count(*)::int AS n,
        md5(string_agg(id::text || ':' || cache_read_input_tokens || ':' || cache_write_input_tokens, ',' ORDER BY id)) AS digest
   FROM aibridge_token_usages`;

const backfillArgs = (db: Db, ...more: string[]) => [
  'backfill',
  '--database-url',
  db.url,
  '--batch-size',
  '100',
  '--max-rows-per-second',
  String(RATE),
  ...more,
];

async function status(db: Db): Promise<any> {
  const run = await runCliProcess(['status', '--json', '--database-url', db.url]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout).backfill.latest_runs.find((r: { direction: string }) => r.direction === 'forward');
}

/** The backfill's sessions, as pg_stat_activity shows them. */
async function backfillSessions(db: Db) {
  const { rows } = await db.query<{ state: string | null; in_transaction_ms: number | null }>(
    `SELECT state, (extract(epoch FROM clock_timestamp() - xact_start) * 1000)::float8 AS in_transaction_ms
       FROM pg_stat_activity WHERE application_name = $1`,
    [BACKFILL_APP],
  );
  return rows;
}

const events = (cli: Cli, kind: string) => cli.events.filter((e) => e.event === kind);

describe.skipIf(skipReason !== null)(`replica lag against a streaming standby${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let primary: EmbeddedServer;
  let standby: Standby;

  beforeAll(async () => {
    primary = await startEmbeddedServer({ major, fast: true });
    standby = await startStandby(primary, {
      pgBasebackup: basebackup.status === 'found' ? basebackup.path : '',
      // A status report every second (the default is 10 s): the primary's view of the standby
      // is fresher, so the waits below are shorter. The throttle does not depend on it.
      settings: { wal_receiver_status_interval: '1s' },
    });
    await standby.waitStreaming();
  });
  afterAll(async () => {
    await standby?.stop();
    await primary?.stop();
  });

  it('with replay paused, backfill --max-replication-lag 2s stops before its next batch, says why, holds no transaction; once replay resumes it finishes, and the standby has the same values', async () => {
    const db = await createDatabase(primary, 'replica_pause', 11);
    const expected = await eligible(db);
    // No lag figure left over from loading the data: the first looks see a standby that keeps up.
    await standby.waitIdle();
    const cli = startCliProcess(backfillArgs(db, '--max-replication-lag', '2s', '--json'));
    let replayPaused = false;
    try {
      // Batches go while the standby replays; then replay stops, and the lag grows from there.
      await cli.batches(1);
      await standby.pauseReplay();
      replayPaused = true;
      const pause = await cli.waitForEvent((e) => e.event === 'pause' && e.cause === 'replication_lag');
      const batchesAtPause = events(cli, 'batch').length;
      expect(batchesAtPause).toBeGreaterThan(0);
      expect(pause.reason).toMatch(/^replication lag on standby "aibridge_standby_test": replay lag \d+\.\d s.*; above the 2\.0 s limit$/);
      expect(pause.standby).toMatchObject({ application_name: STANDBY_APPLICATION_NAME });
      expect(pause.standby.replay_lag_ms).toBeGreaterThan(2_000);
      expect(pause.standby.lag_bytes).toBeGreaterThan(0);

      // status names the wait: the gate recorded it before it printed the pause.
      const run = await status(db);
      expect(run.status).toBe('running');
      expect(run.waiting).toMatchObject({ cause: 'replication_lag', standby: STANDBY_APPLICATION_NAME });
      expect(run.waiting.detail).toContain('replication lag on standby "aibridge_standby_test"');
      expect(run.waiting.replay_lag_ms).toBeGreaterThan(2_000);
      expect(run.waiting.lag_bytes).toBeGreaterThan(0);
      // The same as text, and as the line `status --check` prints (in process: the CLI's --json above is the same document).
      const inProcess = await migrationStatus({ databaseUrl: db.url });
      expect(statusText(inProcess)).toMatch(/^ {2}waiting since \S+: replication lag on standby "aibridge_standby_test": replay lag/m);
      expect(inProcess.readiness.missing).toEqual([
        expect.stringMatching(/is still running.*, waiting: replication lag on standby "aibridge_standby_test"/),
      ]);

      // While it waits: more pauses, no batch, and no session of the backfill in a transaction
      // across looks (a look may catch its lag query running, in a transaction of its own).
      await cli.waitForEvent((e) => e.event === 'pause' && e.cause === 'replication_lag' && e !== pause);
      for (let look = 0; look < 5; look++) {
        const sessions = await backfillSessions(db);
        expect(sessions.length).toBeGreaterThan(0);
        for (const s of sessions) {
          expect(s.state).not.toMatch(/^idle in transaction/);
          expect(s.in_transaction_ms ?? 0).toBeLessThan(1_000);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(events(cli, 'batch').length).toBe(batchesAtPause);

      const eventsBeforeResume = cli.events.length;
      await standby.resumeReplay();
      replayPaused = false;
      const done = await cli.exit;
      expect(done.code, done.stderr).toBe(0);
      // Nothing ran between the pause and the resume.
      expect(cli.events.slice(0, eventsBeforeResume).filter((e) => e.event === 'batch')).toHaveLength(batchesAtPause);
      const finish = cli.events.at(-1)!;
      expect(finish).toMatchObject({ event: 'finish', status: 'completed' });
      expect(finish.summary.rows_updated).toBe(expected);
      expect(events(cli, 'batch').length).toBeGreaterThan(batchesAtPause);
      expect(await wrongRows(db)).toBe(0);
      expect((await status(db)).waiting).toBeNull();

      await standby.waitCaughtUp();
      const onPrimary = (await db.query(DIGEST_SQL)).rows[0];
      const onStandby = (await standby.query(DIGEST_SQL, [], db.name)).rows[0];
      expect(onPrimary.n).toBe(ROWS);
      expect(onStandby).toEqual(onPrimary);
    } finally {
      if (replayPaused) await standby.resumeReplay();
      if (cli.process.exitCode === null) await cli.kill();
    }
  });

  it('an idle standby whose replay_lag reads NULL: the bytes limit applies (two workers)', async () => {
    const db = await createDatabase(primary, 'replica_bytes', 12);
    const expected = await eligible(db);
    // Idle and caught up: after two status reports with nothing left to replay, PostgreSQL
    // clears replay_lag to NULL.
    await standby.waitIdle();
    await standby.pauseReplay();
    let replayPaused = true;
    // A time limit the run cannot reach: only the bytes limit can pause it. Two workers: their
    // lanes share one gate, and each records the wait on its own session.
    const cli = startCliProcess(
      backfillArgs(db, '--max-replication-lag', '1h', '--max-replication-lag-bytes', '256kB', '--workers', '2', '--json'),
    );
    try {
      const pause = await cli.waitForEvent((e) => e.event === 'pause' && e.cause === 'replication_lag');
      expect(pause.reason).toMatch(/^replication lag on standby "aibridge_standby_test": replay lag .*; above the 256 kB limit$/);
      expect(pause.standby.lag_bytes).toBeGreaterThan(256 * 1024);
      const batchesAtPause = events(cli, 'batch').length;
      expect((await status(db)).waiting).toMatchObject({ cause: 'replication_lag', standby: STANDBY_APPLICATION_NAME });
      // The other lane may finish the batch it was in when the first paused; then it pauses too.
      const lagPauses = () => cli.events.filter((e) => e.event === 'pause' && e.cause === 'replication_lag').length;
      const seen = lagPauses();
      await cli.waitForEvent(() => lagPauses() >= seen + 4);
      expect(events(cli, 'batch').length).toBeLessThanOrEqual(batchesAtPause + 1);

      await standby.resumeReplay();
      replayPaused = false;
      const done = await cli.exit;
      expect(done.code, done.stderr).toBe(0);
      expect(cli.events.at(-1)).toMatchObject({ event: 'finish', status: 'completed', summary: { rows_updated: expected } });
      expect(await wrongRows(db)).toBe(0);
    } finally {
      if (replayPaused) await standby.resumeReplay();
      if (cli.process.exitCode === null) await cli.kill();
    }
  });

  // Last: the standby is gone afterwards.
  it('a standby that disconnects mid-run no longer holds the run back; the progress names it and its slot, which keeps WAL on the primary', async () => {
    const db = await createDatabase(primary, 'replica_gone', 13);
    const expected = await eligible(db);
    await standby.waitIdle();
    await standby.pauseReplay();
    // Text progress on stderr: the lines an operator reads.
    const cli = startCliProcess(backfillArgs(db, '--max-replication-lag', '2s'));
    try {
      await cli.waitForStderr(/paused \S+: replication lag on standby "aibridge_standby_test": replay lag/);
      await standby.disconnect();
      const done = await cli.exit;
      expect(done.code, done.stderr).toBe(0);
      const stderr = done.stderr;
      expect(stderr).toMatch(
        /warning: standby "aibridge_standby_test" disconnected \(it left pg_stat_replication\): its lag no longer holds the backfill back, and counts again once it reconnects; meanwhile its slot "aibridge_standby_test_slot" keeps on the primary the WAL it has not received \(\S+ \S+ now\)/,
      );
      expect(stderr).toMatch(
        /warning: replication slot "aibridge_standby_test_slot" \(physical\) is inactive and retains \S+ \S+ of WAL on the primary: .*pg_drop_replication_slot\('aibridge_standby_test_slot'\)/,
      );
      // After the warning, no pause for replication lag: the departed standby does not count.
      const after = stderr.slice(stderr.indexOf('warning: standby "aibridge_standby_test" disconnected'));
      expect(after).not.toContain('replication lag on standby');
      expect(done.stdout).toMatch(/backfill run #\d+ completed/);
      expect(await status(db)).toMatchObject({ status: 'completed', rows_updated: expected, waiting: null });
      expect(await wrongRows(db)).toBe(0);
      // The slot is still there, inactive, holding WAL: the tool warned, it does not drop it.
      const { rows } = await withClient(primary.url, (c) =>
        c.query(
          `SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 AS retained FROM pg_replication_slots WHERE slot_name = $1`,
          [standby.slot],
        ),
      );
      expect(rows).toEqual([{ active: false, retained: expect.any(Number) }]);
      expect(rows[0].retained).toBeGreaterThan(0);
    } finally {
      if (cli.process.exitCode === null) await cli.kill();
      await standby.dropSlot();
    }
  });
});
