/**
 * Throttling on real PostgreSQL: a session really blocked on a row lock held by a batch makes
 * the runner back off; --pause-ms and --max-rows-per-second pause between batches. Time is a
 * virtual clock advanced by the injected sleep, so nothing here depends on the machine's speed.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillEvent } from '../../src/backfill/events.js';
import { WALKS } from '../harness/walks.js';
import { backfill, instrumentedConnect, preparedDatabase, wrongRows } from '../harness/backfill.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;
type Pause = Extract<BackfillEvent, { event: 'pause' }>;

/** A clock that only moves when the runner sleeps. */
function virtualTime() {
  let now = 0;
  return {
    clock: { now: () => now, date: () => new Date(now) },
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe.each(WALKS)('throttle: sessions blocked by the backfill (%s walk)', (walk) => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(3_000, 41);
  });
  afterAll(() => db.drop());

  it('an application write waiting on a batch row lock makes the runner pause, and the write then goes through', async () => {
    // A row the first writing step will write: the first eligible row in key order (key walk),
    // or in heap order (the page walk's first round takes a row from each page in turn).
    const { rows } = await db.query(
      `SELECT id FROM aibridge_token_usages
        WHERE cache_read_input_tokens = 0 AND cache_write_input_tokens = 0
          AND jsonb_typeof(metadata->'cache_read_input') = 'number' AND (metadata->>'cache_read_input')::numeric >= 1
        ORDER BY ${walk === 'key' ? 'id' : 'ctid'} LIMIT 1`,
    );
    const target = rows[0].id as string;
    const app = new pg.Client({ connectionString: db.url, application_name: 'the application' });
    await app.connect();
    let appWrite: Promise<unknown> | null = null;
    const time = virtualTime();
    try {
      const { result, events } = await backfill(
        db,
        { batchSize: 1_000, walk },
        {
          ...time,
          connect: instrumentedConnect(db.url, async (text) => {
            // The step's ledger write, which counts the sessions waiting on its row locks.
            if (!text.includes('pg_blocking_pids') || appWrite) return;
            // The batch has updated its rows and not committed: the application's write queues.
            appWrite = app.query(`UPDATE aibridge_token_usages SET output_tokens = output_tokens + 1 WHERE id = $1`, [target]);
            for (let i = 0; i < 500; i++) {
              const { rows: waiting } = await db.query(
                `SELECT 1 FROM pg_stat_activity WHERE application_name = 'the application' AND wait_event_type = 'Lock'`,
              );
              if (waiting.length > 0) return;
              await new Promise((r) => setTimeout(r, 10));
            }
            throw new Error('the application session never waited on the batch');
          }),
        },
      );
      expect(result.status).toBe('completed');
      const pauses = events.filter((e): e is Pause => e.event === 'pause');
      expect(pauses.filter((p) => p.cause === 'blocked_sessions')).toEqual([
        {
          event: 'pause',
          runId: expect.any(Number),
          cause: 'blocked_sessions',
          reason: '1 session was waiting on locks held by the backfill',
          durationMs: 500,
        },
      ]);
      // The pause came right after the first writing step, before the next step.
      const firstWrite = events.findIndex((e) => e.event === 'batch' && e.step !== 'judge');
      expect(events.findIndex((e) => e.event === 'pause')).toBe(firstWrite + 1);
      expect(appWrite).not.toBeNull();
      await appWrite;
      const { rows: after } = await db.query(`SELECT output_tokens, cache_read_input_tokens FROM aibridge_token_usages WHERE id = $1`, [
        target,
      ]);
      expect(Number(after[0].cache_read_input_tokens)).toBeGreaterThan(0);
      expect(await wrongRows(db)).toEqual([]);
    } finally {
      await app.end();
    }
  });
});

describe('throttle: configured pauses and rate', () => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(4_000, 43);
  });
  afterAll(() => db.drop());

  it('--pause-ms pauses after every batch, single runner and workers alike', async () => {
    for (const options of [{}, { workers: 2 }]) {
      const time = virtualTime();
      const { result, events } = await backfill(db, { batchSize: 500, pauseMs: '250ms', restart: true, ...options }, time);
      expect(result.status).toBe('completed');
      const batches = events.filter((e) => e.event === 'batch').length;
      const pauses = events.filter((e): e is Pause => e.event === 'pause');
      expect([...new Set(pauses.map((p) => `${p.cause} ${p.durationMs} ${p.reason}`))]).toEqual(['pause_ms 250 --pause-ms 250']);
      // One after each batch but the last of each worker (a worker checks before its next batch).
      expect(pauses.length).toBeGreaterThanOrEqual(batches - ('workers' in options ? 2 : 1));
      expect(pauses.length).toBeLessThanOrEqual(batches);
    }
  });

  it('--max-rows-per-second holds the rate: the run takes at least rows / limit on the clock', async () => {
    const time = virtualTime();
    const { result, events } = await backfill(db, { batchSize: 500, maxRowsPerSecond: 1_000, restart: true }, time);
    expect(result.status).toBe('completed');
    const batches = events.filter((e): e is Extract<BackfillEvent, { event: 'batch' }> => e.event === 'batch');
    const scanned = batches.reduce((s, b) => s + b.rowsScanned, 0);
    const paused = events.filter((e): e is Pause => e.event === 'pause' && e.cause === 'rate_limit').reduce((s, p) => s + p.durationMs, 0);
    // Each batch but the last paid for its rows before the next one started.
    const lastRows = batches.at(-1)!.rowsScanned;
    expect(paused).toBeGreaterThanOrEqual(((scanned - lastRows) * 1000) / 1_000 - 1);
    expect(events.find((e) => e.event === 'pause')).toMatchObject({ reason: '--max-rows-per-second 1000' });
  });
});
