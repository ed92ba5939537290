/**
 * verify and the dry runs read the table in short statements inside one snapshot:
 *
 * - under a role whose statement_timeout would stop any whole-table statement, they complete
 *   and report exactly what they report without the limit — on one session or several;
 * - rows written, changed and deleted while a verify walks the table (held between two of its
 *   chunks) change nothing in its report: it describes the one snapshot it took;
 * - limits no one-snapshot walk can live with are refused up front, naming the setting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { runBackfill, type DryRunReport } from '../../src/backfill/index.js';
import { connect } from '../../src/db/connect.js';
import type { Session } from '../../src/db/port.js';
import { targetFromUrl } from '../../src/db/target.js';
import { migrateUp } from '../../src/migrate/index.js';
import { systemRuntime } from '../../src/runtime.js';
import { verify, type Report } from '../../src/verify/index.js';
import { runCliProcess } from '../harness/cli-process.js';
import { preparedDatabase } from '../harness/backfill.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

/** The report without what differs between two reads of the same snapshot (times, chunking). */
function comparable(report: Report): unknown {
  return { ...report, generated_at: null, scan: null, snapshot: { ...report.snapshot, taken_at: null } };
}

function comparableDryRun(report: DryRunReport): unknown {
  return { ...report, readMs: null, readRowsPerSecond: null, estimatedRunMs: null, chunks: null, sessions: null };
}

async function dryRun(url: string, workers?: number): Promise<DryRunReport> {
  const result = await runBackfill({ databaseUrl: url, dryRun: true, ...(workers ? { workers } : {}) });
  if (result.status !== 'dry-run') throw new Error(result.status === 'failed' ? result.error.message : result.status);
  return result.report;
}

/** A login role that may only read, with `settings` set on it (ALTER ROLE … SET). */
async function readerRole(db: Db, name: string, settings: Record<string, string>): Promise<{ url: string; drop: () => Promise<void> }> {
  const role = `${name}_${db.name.slice(-10)}`;
  await db.query(`CREATE ROLE "${role}" LOGIN`);
  await db.query(`GRANT USAGE ON SCHEMA public, aibridge_migrate TO "${role}"`);
  await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public, aibridge_migrate TO "${role}"`);
  for (const [setting, value] of Object.entries(settings)) await db.query(`ALTER ROLE "${role}" SET ${setting} = '${value}'`);
  const url = new URL(db.url);
  url.username = role;
  return {
    url: url.toString(),
    drop: async () => {
      await db.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public, aibridge_migrate FROM "${role}"`);
      await db.query(`REVOKE ALL ON SCHEMA public, aibridge_migrate FROM "${role}"`);
      await db.query(`DROP ROLE "${role}"`);
    },
  };
}

describe('verify and the dry runs under a short statement_timeout', () => {
  let db: Db;
  let limited: Awaited<ReturnType<typeof readerRole>>;
  beforeAll(async () => {
    // Not backfilled: pending rows everywhere, anomalies and application-written rows, so
    // every pass runs (census, samples, sessions, the sessions' totals).
    db = await preparedDatabase(20_000, 26);
    limited = await readerRole(db, 'chunked', { statement_timeout: '150ms' });
  });
  afterAll(async () => {
    await limited.drop();
    await db.drop();
  });

  it('verify completes in many short statements and reports what it reports without the limit', async () => {
    const free = await verify({ databaseUrl: db.url, workers: 1 });
    expect(free.report.row_parity.classes.pending).toBeGreaterThan(5_000);
    expect(free.report.totals.sessions.differing).toBeGreaterThan(0);
    for (const workers of [1, 3]) {
      const bounded = await verify({ databaseUrl: limited.url, workers });
      // Never one statement: the first chunk is planned at 5,000 of the 20,000 rows and each
      // next one at most twice the last, so three at the least, however fast the server reads
      // (a faster one only makes the chunks fewer, down to that floor: CI met it once).
      expect(bounded.report.scan.chunks).toBeGreaterThanOrEqual(3);
      expect(bounded.report.scan.sessions).toBe(workers);
      expect(comparable(bounded.report)).toEqual(comparable(free.report));
    }
  });

  it('backfill --dry-run completes and reports the same, on one session or several', async () => {
    const free = await dryRun(db.url, 1);
    expect(free.wouldUpdate).toBeGreaterThan(5_000);
    for (const workers of [1, 3]) {
      const bounded = await dryRun(limited.url, workers);
      expect(bounded.chunks).toBeGreaterThanOrEqual(3);
      expect(comparableDryRun(bounded)).toEqual(comparableDryRun(free));
    }
  });

  it('the CLI with --json: the report alone on stdout, the progress as JSON lines on stderr', async () => {
    const run = await runCliProcess(['verify', '--database-url', limited.url, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.schema_version).toBe(4);
    const events = run.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { event: string; pass?: string });
    expect(events[0]).toMatchObject({ event: 'start', command: 'verify', sessions: 2, by: expect.stringMatching(/^(pages|keys)$/) });
    expect(events.filter((e) => e.event === 'chunk' && e.pass === 'rows').length).toBe(report.scan.chunks);
    expect(events.filter((e) => e.event === 'pass').map((e) => e.pass)).toEqual(expect.arrayContaining(['rows', 'samples', 'sessions']));
    expect(events.at(-1)).toMatchObject({ event: 'finish', command: 'verify' });
  });

  it('up --dry-run completes: it reads only the catalogs', async () => {
    await expect(migrateUp({ databaseUrl: limited.url, dryRun: true })).resolves.toMatchObject({ dryRun: true });
  });
});

describe('one snapshot: rows written while verify walks the table are not in its report', () => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(12_000, 61);
  });
  afterAll(() => db.drop());

  /**
   * Sessions whose `nth` census statement (any session's) first waits for `during` to commit
   * writes from another connection: the walk is held between its chunks while the table changes.
   */
  function holdingConnect(nth: number, during: () => Promise<void>) {
    let censusStatements = 0;
    let held: Promise<void> | null = null;
    return async (): Promise<Session> => {
      const client = await connect({ target: targetFromUrl(db.url), applicationName: 'aibridge-migrate verify', runtime: systemRuntime() });
      return {
        query: async (text: string, values?: unknown[]) => {
          if (text.startsWith('SELECT r.found AS has_interception') && ++censusStatements === nth) held = during();
          if (held && text.startsWith('SELECT r.found AS has_interception')) await held;
          return client.query(text, values as unknown[]);
        },
        end: () => client.end(),
      } as Session;
    };
  }

  async function writeBehindTheWalk(salt: string): Promise<void> {
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    try {
      // New rows, pending: a snapshot taken now would count them and fail on them.
      await writer.query(
        `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
         SELECT gen_random_uuid(), gen_random_uuid(), 'late', 1, 1, '{"prompt_cached": 77}', now() FROM generate_series(1, 300)`,
      );
      // Rows changed to conflicts, and rows deleted, all over the table.
      await writer.query(
        `UPDATE aibridge_token_usages SET cache_read_input_tokens = 999
          WHERE id IN (SELECT id FROM aibridge_token_usages WHERE cache_read_input_tokens <> 999 ORDER BY md5(id::text || $1) LIMIT 200)`,
        [salt],
      );
      await writer.query(
        `DELETE FROM aibridge_token_usages WHERE id IN (SELECT id FROM aibridge_token_usages ORDER BY md5(id::text || $1 || 'x') LIMIT 100)`,
        [salt],
      );
    } finally {
      await writer.end();
    }
  }

  it.each([1, 2])('with %i session(s): the report is the one of the table before the writes', async (workers) => {
    const before = await verify({ databaseUrl: db.url, workers });
    const { rows: counted } = await db.query('SELECT count(*)::int AS n FROM aibridge_token_usages');
    const during = await verify(
      { databaseUrl: db.url, workers },
      { deps: { connect: holdingConnect(2, () => writeBehindTheWalk(String(workers))) } },
    );
    const { rows: after } = await db.query('SELECT count(*)::int AS n FROM aibridge_token_usages');
    expect(after[0].n).toBe(counted[0].n + 200);
    // Held before its second chunk: some read before the writes, the rest after.
    expect(during.report.scan.chunks).toBeGreaterThan(1);
    expect(comparable(during.report)).toEqual(comparable(before.report));
    expect(during.report.count_parity.rows_in_table).toBe(counted[0].n);
    expect(during.report.count_parity.rows_classified).toBe(counted[0].n);
    // The writes are real: a fresh verify sees them.
    const later = await verify({ databaseUrl: db.url, workers });
    expect(later.report.count_parity.rows_in_table).toBe(after[0].n);
    expect(later.report.row_parity.classes.conflict).toBeGreaterThan(before.report.row_parity.classes.conflict);
  });
});

describe('limits no one-snapshot walk can live with', () => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(500, 3);
  });
  afterAll(() => db.drop());

  it('refuses idle_in_transaction_session_timeout shorter than a wait between chunks, naming it', async () => {
    // (The backfill sets its sessions' own idle timeout, a minute at least, so its dry run is
    // not concerned: verify keeps the role's.)
    const role = await readerRole(db, 'idle', { idle_in_transaction_session_timeout: '300ms' });
    try {
      await expect(verify({ databaseUrl: role.url })).rejects.toMatchObject({
        code: 'PREFLIGHT',
        message: expect.stringMatching(/^idle_in_transaction_session_timeout is 300ms/),
        hint: expect.stringMatching(/idle_in_transaction_session_timeout/),
      });
    } finally {
      await role.drop();
    }
  });

  it('stops a walk the rate it measures says would outlast transaction_timeout (PostgreSQL 17+), before the server does', async (context) => {
    const { rows } = await db.query(`SELECT current_setting('server_version_num')::int AS v`);
    if (rows[0].v < 170000) context.skip();
    await db.query(
      `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
       SELECT gen_random_uuid(), gen_random_uuid(), 'r', 1, 1, '{}', now() FROM generate_series(1, 40000)`,
    );
    const role = await readerRole(db, 'txnrate', { transaction_timeout: '6s' });
    try {
      // Every chunk held 400 ms: forty thousand rows would take far longer than six seconds.
      const slow = async (): Promise<Session> => {
        const client = await connect({
          target: targetFromUrl(role.url),
          applicationName: 'aibridge-migrate verify',
          runtime: systemRuntime(),
        });
        return {
          query: async (text: string, values?: unknown[]) => {
            if (text.startsWith('SELECT r.found AS has_interception')) await new Promise((r) => setTimeout(r, 400));
            return client.query(text, values as unknown[]);
          },
          end: () => client.end(),
        } as Session;
      };
      await expect(verify({ databaseUrl: role.url, workers: 1 }, { deps: { connect: slow } })).rejects.toMatchObject({
        code: 'PREFLIGHT',
        message: expect.stringMatching(
          /^transaction_timeout is 6.0s for this session, but at the rate measured so far verify needs about .* stopped after \d+% of the table/,
        ),
      });
    } finally {
      await role.drop();
    }
  });

  it('refuses a transaction_timeout no walk fits in (PostgreSQL 17+), naming it', async (context) => {
    const { rows } = await db.query(`SELECT current_setting('server_version_num')::int AS v`);
    if (rows[0].v < 170000) context.skip();
    const role = await readerRole(db, 'txn', { transaction_timeout: '1s' });
    try {
      await expect(verify({ databaseUrl: role.url })).rejects.toMatchObject({
        code: 'PREFLIGHT',
        message: expect.stringMatching(/^transaction_timeout is 1.0s/),
      });
    } finally {
      await role.drop();
    }
  });
});
