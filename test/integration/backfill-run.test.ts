import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKFILL_APPLICATION_NAME } from '../../src/backfill/index.js';
import { connect as connectClient } from '../../src/db/connect.js';
import { targetFromUrl } from '../../src/db/target.js';
import { WALKS } from '../harness/walks.js';
import {
  backfill,
  eligibleCount,
  isBatchStatement,
  ledgerRanges,
  ledgerRuns,
  preparedDatabase,
  rowVersions,
  wrongRows,
  stoppedAfter,
} from '../harness/backfill.js';
import { systemRuntime } from '../../src/runtime.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

describe('backfill: what it writes', () => {
  let db: Db;
  let needed: number;
  let before: Map<string, string>;
  let rowCount: number;
  beforeAll(async () => {
    db = await preparedDatabase(6_000);
    needed = await eligibleCount(db);
    before = await rowVersions(db);
    rowCount = before.size;
  });
  afterAll(() => db.drop());

  it('sets both columns from the rule on every eligible row and leaves application-written rows alone', async () => {
    expect(needed).toBeGreaterThan(3_000);
    const { result } = await backfill(db, { batchSize: 500 });
    expect(result.status).toBe('completed');
    expect(await wrongRows(db)).toEqual([]);
    if (result.status !== 'completed') return;
    expect(result.summary.rowsUpdated).toBe(needed);
    expect(result.summary.rowsScanned).toBe(rowCount);
    expect(result.summary.rowsApplicationWritten).toBe(db.appWritten.size);
    expect(result.converged).toBe(true);
  });

  it('never changes metadata and never inserts or deletes a row', async () => {
    const after = await rowVersions(db);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changedMetadata = [...after].filter(
      ([id, v]) => v.split('|').slice(1).join('|') !== before.get(id)!.split('|').slice(1).join('|'),
    );
    expect(changedMetadata).toEqual([]);
    // Rows that needed nothing were not written either: their row version is unchanged.
    const rewritten = [...after].filter(([id, v]) => v !== before.get(id)).length;
    expect(rewritten).toBe(needed);
  });

  it('counts anomalies by class in the ledger', async () => {
    const [run] = await ledgerRuns(db);
    expect(run.status).toBe('completed');
    expect(run.anomalies).toMatchObject({ fractional: 3, not_a_number: 6, negative: 3, not_an_object: 3, out_of_range: 3 });
  });

  it('a second run over backfilled data rewrites no row (every xmin unchanged)', async () => {
    const first = await rowVersions(db);
    const { result, events } = await backfill(db, {});
    expect(result.status).toBe('completed');
    if (result.status === 'completed') expect(result.summary.rowsUpdated).toBe(0);
    expect(await rowVersions(db)).toEqual(first);
    // After a completed run it counts instead of walking the key space: no batch at all.
    expect(events.find((e) => e.event === 'start')).toMatchObject({ keyedPass: false });
    expect(events.filter((e) => e.event === 'batch')).toEqual([]);
    expect(events.filter((e) => e.event === 'converge')).toEqual([
      expect.objectContaining({ pass: 0, eligibleRemaining: 0, converged: true, nextPass: null }),
    ]);
  });

  it('--restart after a completed run walks every key again', async () => {
    const { result, events } = await backfill(db, { restart: true, batchSize: 2_000 });
    expect(result.status === 'completed' && [result.summary.rowsScanned, result.summary.rowsUpdated]).toEqual([rowCount, 0]);
    expect(events.find((e) => e.event === 'start')).toMatchObject({ keyedPass: true });
  });
});

describe('backfill: resume, restart, rule changes', () => {
  let db: Db;
  let needed: number;
  beforeAll(async () => {
    db = await preparedDatabase(5_000, 11);
    needed = await eligibleCount(db);
  });
  afterAll(() => db.drop());

  it('stops cleanly on abort, then resumes the same run without repeating a batch', async () => {
    const first = await stoppedAfter(db, { batchSize: 300 }, 4);
    expect(first.result.status).toBe('interrupted');
    if (first.result.status !== 'interrupted') return;
    expect(first.result.signal).toBe('SIGTERM');
    // The page walk's first page not done (PostgreSQL 14+), or the key walk's last key (13).
    const position = first.result.position!;
    expect(position.checkpoint ?? String(position.nextPage)).toMatch(/^([0-9a-f-]{36}|\d+)$/);
    const [stopped] = await ledgerRuns(db);
    expect(stopped.status).toBe('interrupted');
    expect(Number(stopped.batches)).toBe(4);

    const second = await backfill(db, { batchSize: 300 });
    expect(second.result.status).toBe('completed');
    if (second.result.status !== 'completed') return;
    expect(second.result.resumed).toBe(true);
    expect(second.result.runId).toBe(first.result.runId);
    expect(await wrongRows(db)).toEqual([]);
    // No batch repeated: the run's first pass scanned each row once and wrote each needed row once.
    expect(second.result.summary.rowsScanned).toBe(5_000);
    expect(second.result.summary.rowsUpdated).toBe(needed);
    const ranges = await ledgerRanges(db);
    expect(ranges.filter((r) => r.pass === 0).reduce((s, r) => s + Number(r.rows_scanned), 0)).toBe(5_000);
  });

  it('a completed run plus new eligible rows: the next backfill starts a new run that does the work', async () => {
    await db.query(
      `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
       SELECT md5('late' || g)::uuid, md5('late-i' || g)::uuid, 'r', 10, 10, jsonb_build_object('cache_read_input', g), now()
         FROM generate_series(1, 25) AS g`,
    );
    const { result } = await backfill(db, {});
    expect(result.status).toBe('completed');
    if (result.status !== 'completed') return;
    expect(result.resumed).toBe(false);
    expect(result.summary.rowsUpdated).toBe(25);
    // The count found them, so the first pass ran after it, as in a first run.
    expect(result.summary.rowsScanned).toBeGreaterThan(5_000);
    expect(result.summary.convergencePasses).toBe(0);
    expect(await wrongRows(db)).toEqual([]);
    expect((await ledgerRuns(db)).map((r) => r.status)).toEqual(['completed', 'completed']);
  });

  it('refuses to resume a run recorded under another rule, and --restart starts afresh', async () => {
    const controller = new AbortController();
    controller.abort('SIGINT');
    // An interrupted run whose fingerprint is not this version's.
    await db.query(
      `INSERT INTO aibridge_migrate.backfill_runs (direction, status, rule_fingerprint, target_schema, target_table)
       VALUES ('forward', 'interrupted', '0000000000000000', 'public', 'aibridge_token_usages')`,
    );
    const refused = await backfill(db, {});
    expect(refused.result.status).toBe('failed');
    if (refused.result.status !== 'failed') return;
    expect(refused.result.error.code).toBe('PREFLIGHT');
    expect(refused.result.error.message).toMatch(/different rule/);
    expect(refused.result.error.hint).toMatch(/--restart/);

    const restarted = await backfill(db, { restart: true });
    expect(restarted.result.status).toBe('completed');
    const statuses = (await ledgerRuns(db)).map((r) => r.status);
    expect(statuses).toEqual(['completed', 'completed', 'abandoned', 'completed']);
  });
});

describe.each(WALKS)('backfill (%s walk): how a step commits', (walk) => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(2_000);
  });
  afterAll(() => db.drop());

  it('every transaction that writes rows commits asynchronously (synchronous_commit off for it alone), and the counts stay exact', async () => {
    const inStep: string[] = [];
    const afterSession: string[] = [];
    const connect = async () => {
      // The test server commits asynchronously for speed: the session asks for 'on' so the step's own 'off' shows.
      const client = await connectClient({
        target: targetFromUrl(db.url),
        applicationName: BACKFILL_APPLICATION_NAME,
        settings: { synchronous_commit: 'on' },
        runtime: systemRuntime(),
      });
      let writing = false;
      const setting = async () => (await client.query(`SELECT current_setting('synchronous_commit') AS s`)).rows[0].s as string;
      return {
        query: async (text: string, values?: unknown[]) => {
          if (isBatchStatement(text)) writing = true;
          if (text === 'COMMIT' && writing) {
            inStep.push(await setting());
            writing = false;
          }
          return client.query(text, values as any[]);
        },
        end: async () => {
          afterSession.push(await setting());
          await client.end();
        },
      } as any;
    };
    const needed = await eligibleCount(db);
    const { result } = await backfill(db, { walk, batchSize: 200 }, { connect });
    expect(result.status).toBe('completed');
    if (result.status === 'completed') expect(result.summary.rowsUpdated).toBe(needed);
    expect(await wrongRows(db)).toEqual([]);
    expect(inStep.length).toBeGreaterThan(1);
    expect(new Set(inStep)).toEqual(new Set(['off']));
    // Local to the step: the session's own setting is untouched.
    expect(new Set(afterSession)).toEqual(new Set(['on']));
  });
});
