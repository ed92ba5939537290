/**
 * The count that ends a pass, read by two sessions at once (sweep.ts, pageCount): the same
 * totals as one session, every page counted exactly once, pages the table grows by counted,
 * and a helper that cannot connect or fails half way costs nothing but its help. And the
 * sessions of a whole run: no more than it reads on, each set up alike.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countWalk, type CountTotals } from '../../src/backfill/run/sweep.js';
import type { CountWindow } from '../../src/backfill/sql/count-window.js';
import { FORWARD, type DirectionOps } from '../../src/backfill/sql/direction.js';
import { BatchSizer } from '../../src/backfill/policy/controller.js';
import type { Connector } from '../../src/db/port.js';
import { MAX_PREPARED, preparable } from '../../src/db/prepared-statements.js';
import { tables } from '../../src/names.js';
import { systemRuntime } from '../../src/runtime.js';
import { backfill, instrumentedConnect, preparedDatabase, wrongRows } from '../harness/backfill.js';
import { deferred } from '../harness/deferred.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

/** A chunk of the count (forward.ts, eligibleCountStatement). */
const isChunk = (text: string) => text.startsWith('SELECT count(*)::bigint AS scanned');

describe('the end-of-pass count on two sessions', () => {
  let db: Db;
  let pages = 0;
  let pageWalk = false;
  /** What one session alone counts, the rows the rule would still write among them. */
  let alone: CountTotals;
  const runStartedAt = new Date(Date.now() + 60_000);

  beforeAll(async () => {
    db = await preparedDatabase(6_000, 33, 'narrow');
    // No vacuum may record free space inside the table: rows inserted during a count must land
    // at its end (the growth test), where a page is counted only after they commit.
    await db.query('ALTER TABLE aibridge_token_usages SET (autovacuum_enabled = false)');
    pageWalk = Number((await db.query('SHOW server_version_num')).rows[0].server_version_num) >= 140000;
    pages = Number((await db.query(`SELECT pg_relation_size('aibridge_token_usages') / 8192 AS n`)).rows[0].n);
    alone = (await count(instrumentedConnect(db.url, () => {}))).totals!;
    expect(alone.existed).toBe(6_000);
    // Every generated row with a cache key is still to write: the backfill has not run.
    expect(alone.eligible).toBeGreaterThan(1_000);
  });
  afterAll(() => db.drop());

  /** Counts with the lane's session from `connect` and, when given, a helper from `helper`; records every chunk's window. */
  async function count(connect: Connector, helper?: Connector, stop = new AbortController().signal) {
    const windows: CountWindow[] = [];
    const told: string[] = [];
    const ops: DirectionOps = {
      ...FORWARD,
      count: (usages, window) => {
        windows.push(window);
        return FORWARD.count(usages, window);
      },
    };
    // Chunks of about 400 rows: a dozen or more of them on this table.
    const sizer = new BatchSizer(() => ({ targetMs: 100, min: 400, max: 400, initial: 400 }));
    const lane = await connect();
    try {
      const totals = await countWalk(lane, {
        ops,
        tables: tables('public', 'aibridge_migrate'),
        sizer,
        runStartedAt,
        clock: systemRuntime().clock,
        stop,
        helper,
        log: { debug: (message) => told.push(message) },
      });
      return { totals, windows, told };
    } finally {
      await lane.end();
    }
  }

  /** Pages each window covers, sorted: [from, to) pairs that must tile [0, pages). */
  function tiles(windows: readonly CountWindow[]): Array<[number, number]> {
    return windows.flatMap((w) => (w.by === 'page' ? [[w.from, w.to] as [number, number]] : [])).sort((a, b) => a[0] - b[0]);
  }

  function expectTiled(windows: readonly CountWindow[], upTo: number): void {
    const t = tiles(windows);
    expect(t[0]![0]).toBe(0);
    for (let n = 1; n < t.length; n++) expect(t[n]![0]).toBe(t[n - 1]![1]);
    expect(t.at(-1)![1]).toBe(upTo);
  }

  it('counts what one session counts, each page once, with both sessions reading', async (context) => {
    if (!pageWalk) context.skip(); // Before PostgreSQL 14 the count walks keys, one chunk after another.
    // The lane's session waits at its second chunk until the helper has taken one: on a table
    // this small it could otherwise count everything before the helper has connected.
    const helperStarted = deferred();
    let laneChunks = 0;
    const lane = instrumentedConnect(db.url, async (text) => {
      if (isChunk(text) && ++laneChunks === 2) await helperStarted.promise;
    });
    let helperChunks = 0;
    const helper = instrumentedConnect(db.url, (text) => {
      if (isChunk(text) && ++helperChunks === 1) helperStarted.resolve();
    });
    const { totals, windows } = await count(lane, helper);
    expect(totals).toEqual(alone);
    expectTiled(windows, pages);
    expect(helperChunks).toBeGreaterThan(0);
    // The lane's first chunk may be its only one: until a chunk has finished, every chunk taken
    // is the first's 64 pages, so a helper that connects while the lane reads its first can
    // take the rest of this small table in one (CI saw it on PostgreSQL 17).
    expect(laneChunks).toBeGreaterThan(0);
    expect(helperChunks + laneChunks).toBe(windows.length);
  });

  it('counts alone when the helper cannot connect', async (context) => {
    if (!pageWalk) context.skip();
    const refused: Connector = () => Promise.reject(new Error('connection refused'));
    const { totals, windows } = await count(
      instrumentedConnect(db.url, () => {}),
      refused,
    );
    expect(totals).toEqual(alone);
    expectTiled(windows, pages);
  });

  it.for(['while the lane counts', 'after the lane has run out of chunks'] as const)(
    'recounts on the lane’s session the chunk a helper failing %s dropped, and counts it once',
    async (when, context) => {
      if (!pageWalk) context.skip();
      const failed = deferred();
      const laneOut = deferred();
      let laneChunks = 0;
      let laneSizes = 0;
      const lane = instrumentedConnect(db.url, async (text) => {
        if (text.includes('pg_relation_size') && ++laneSizes === 2) laneOut.resolve();
        // Held at its second chunk until the helper has failed, so the lane is still counting.
        if (isChunk(text) && ++laneChunks === 2 && when === 'while the lane counts') await failed.promise;
      });
      let helperChunks = 0;
      const helper = instrumentedConnect(db.url, async (text) => {
        if (!isChunk(text) || ++helperChunks > 1) return;
        // The lane reads the heap's size a second time when it finds no chunk left.
        if (when !== 'while the lane counts') await laneOut.promise;
        failed.resolve();
        throw new Error('server closed the connection unexpectedly');
      });
      const { totals, windows, told } = await count(lane, helper);
      expect(helperChunks).toBe(1);
      expect(told).toEqual(["the count's second session stopped (server closed the connection unexpectedly): counting on one"]);
      expect(totals).toEqual(alone);
      // The dropped chunk was asked for twice (once by each session); every page is counted once.
      const t = tiles(windows);
      const distinct = [...new Map(t.map((w) => [w.join(), w])).values()];
      expect(t.length).toBe(distinct.length + 1);
      expectTiled(
        distinct.map(([from, to]) => ({ by: 'page', from, to, existedBefore: runStartedAt })),
        pages,
      );
    },
  );

  it('stops between chunks when asked, with no total', async (context) => {
    if (!pageWalk) context.skip();
    const stop = new AbortController();
    // Asked to stop as the lane's session sends its first chunk: neither session takes another.
    const lane = instrumentedConnect(db.url, (text) => {
      if (isChunk(text)) stop.abort('SIGINT');
    });
    const { totals, windows } = await count(
      lane,
      instrumentedConnect(db.url, () => {}),
      stop.signal,
    );
    expect(totals).toBeNull();
    expect(windows.length).toBeLessThanOrEqual(2);
  });

  it('counts the pages the table grows by while it counts', async (context) => {
    if (!pageWalk) context.skip();
    let chunks = 0;
    let inserted: Promise<unknown> | null = null;
    const grow = async (text: string) => {
      if (!isChunk(text)) return;
      // Early in the count, an old application version appends eligible rows at the heap's end.
      // Every chunk after waits for them to commit: rows committed after their page was read
      // are the next run's (sweep.ts), and this test is about pages, not that race.
      if (++chunks === 2) {
        inserted = db.query(
          `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
           SELECT gen_random_uuid(), gen_random_uuid(), 'r', 1, 1, jsonb_build_object('prompt_cached', 7, 'pad', repeat('x', 200)), now()
             FROM generate_series(1, 3000)`,
        );
      }
      await inserted;
    };
    const { totals, windows } = await count(instrumentedConnect(db.url, grow), instrumentedConnect(db.url, grow));
    const grown = Number((await db.query(`SELECT pg_relation_size('aibridge_token_usages') / 8192 AS n`)).rows[0].n);
    expect(grown).toBeGreaterThan(pages);
    expect(totals?.eligible).toBe(alone.eligible + 3_000);
    expect(totals?.existed).toBe(alone.existed + 3_000);
    expectTiled(windows, grown);
    await db.query(`DELETE FROM aibridge_token_usages WHERE provider_response_id = 'r' AND input_tokens = 1`);
  });
});

describe('a backfill run’s count: two sessions, one when rate-limited', () => {
  let db: Db;
  let pageWalk = false;
  beforeAll(async () => {
    db = await preparedDatabase(4_000, 34, 'narrow');
    pageWalk = Number((await db.query('SHOW server_version_num')).rows[0].server_version_num) >= 140000;
  });
  afterAll(() => db.drop());

  /** Backfills (a new run each time) and returns the sessions that read count chunks. */
  async function countingSessions(options: Record<string, unknown>): Promise<Set<number>> {
    const counting = new Set<number>();
    const other = deferred();
    let laneChunks = 0;
    const connect = instrumentedConnect(db.url, async (text, session) => {
      if (!isChunk(text)) return;
      counting.add(session);
      if (counting.size > 1) other.resolve();
      // The lane's session (the first) waits at its second chunk for another session to count
      // one, for at most two seconds: long enough for a helper to connect, on any machine.
      if (session === 1 && counting.size === 1 && ++laneChunks === 2) {
        await Promise.race([other.promise, new Promise((done) => setTimeout(done, 2_000))]);
      }
    });
    // --restart: a new run that walks the table and counts it, whatever the last run did.
    const { result } = await backfill(db, { batchSize: 200, restart: true, ...options }, { connect });
    expect(result.status).toBe('completed');
    expect(await wrongRows(db)).toEqual([]);
    return counting;
  }

  it('counts the end of a pass on two sessions on 14+, on one (key windows, in order) on 13', async () => {
    expect((await countingSessions({})).size).toBe(pageWalk ? 2 : 1);
  });

  it('counts on its own session alone under --max-rows-per-second', async () => {
    expect((await countingSessions({ maxRowsPerSecond: 100_000 })).size).toBe(1);
  });
});

const calls = (texts: Map<string, { calls: number }>) => [...texts.values()].reduce((sum, t) => sum + t.calls, 0);

describe('the sessions of a run with its own connections', () => {
  let db: Db;
  let pageWalk = false;
  beforeAll(async () => {
    db = await preparedDatabase(4_000, 35, 'narrow');
    pageWalk = Number((await db.query('SHOW server_version_num')).rows[0].server_version_num) >= 140000;
    await backfill(db, { batchSize: 200 });
  });
  afterAll(() => db.drop());

  /**
   * Sessions a run with its own connections opens in this database, from pg_stat_database
   * (14+). A backend's counts reach it only as it ends, so it is read until it stops changing.
   */
  async function sessionsOpened(options: Record<string, unknown>): Promise<number> {
    // Its own client: the harness's pool may open a connection of its own at any time.
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    const read = async () => {
      await reader.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await reader.query(`SELECT sessions::int AS n FROM pg_stat_database WHERE datname = current_database()`);
      return rows[0].n as number;
    };
    const settled = async () => {
      for (let last = await read(), stable = 0; ;) {
        await new Promise((done) => setTimeout(done, 100));
        const now = await read();
        if (now === last && ++stable === 10) return now;
        if (now !== last) [last, stable] = [now, 0];
      }
    };
    try {
      const before = await settled();
      const { result } = await backfill(db, options);
      expect(result.status).toBe('completed');
      return (await settled()) - before;
    } finally {
      await reader.end();
    }
  }

  it('opens no connection it does not read on: the checked connection becomes the lane’s (14+)', async (context) => {
    if (!pageWalk) return context.skip();
    // A re-run of a finished table is its count: the lane's session, which is the one whose
    // server session was checked, and the count's helper; one of them alone when rate-limited.
    expect(await sessionsOpened({})).toBe(2);
    expect(await sessionsOpened({ maxRowsPerSecond: 100_000 })).toBe(1);
  });

  it('plans each of its statements once per session: every one it can prepare goes as a named prepared statement', async () => {
    // What each session sent: its prepared statements by text (name, calls), and the
    // statements it could have prepared but sent unnamed once the run had it (the pooler check
    // and the session settings come before, as the connection is set up).
    const named = new Map<pg.Client, Map<string, { name: string; calls: number }>>();
    const unnamed: string[] = [];
    const original = pg.Client.prototype.query as (...args: unknown[]) => Promise<unknown>;
    (pg.Client.prototype as { query: unknown }).query = function (this: pg.Client, ...args: unknown[]) {
      const [config] = args;
      if (typeof config === 'string' && preparable(config)) {
        if (named.has(this)) unnamed.push(config);
      } else if (typeof config === 'object' && config !== null && 'name' in config) {
        const { name, text } = config as { name: string; text: string };
        const texts = named.get(this) ?? new Map<string, { name: string; calls: number }>();
        const seen = texts.get(text) ?? { name, calls: 0 };
        expect(seen.name).toBe(name);
        named.set(this, texts.set(text, { name, calls: seen.calls + 1 }));
      }
      return original.apply(this, args);
    };
    // A table not backfilled yet: a run with judges and rounds, not only a count.
    const fresh = await preparedDatabase(4_000, 36, 'narrow');
    try {
      const { result } = await backfill(fresh, { batchSize: 50 });
      expect(result.status).toBe('completed');
      expect(await wrongRows(fresh)).toEqual([]);
    } finally {
      (pg.Client.prototype as { query: unknown }).query = original;
      await fresh.drop();
    }
    expect(unnamed).toEqual([]);
    expect(named.size).toBeGreaterThan(0);
    // The lane's session: the one that sent the most.
    const lane = [...named.values()].sort((a, b) => calls(b) - calls(a))[0]!;
    // The step's statements, each one text under one name, sent step after step: planned once
    // per session. The page walk's judge and round; the key walk's batch, one text for each of
    // the windows with or without a first key (the first batch has none) and a last one (only
    // the last range has none): at most four.
    const steps: [RegExp, number][] = pageWalk
      ? [
          [/^WITH j AS MATERIALIZED/, 1],
          [/^WITH v AS/, 1],
        ]
      : [[/^WITH s AS MATERIALIZED/, 4]];
    for (const [kind, most] of steps) {
      const sent = [...lane.entries()].filter(([text]) => kind.test(text.trim()));
      expect(sent.length, String(kind)).toBeGreaterThan(0);
      expect(sent.length, String(kind)).toBeLessThanOrEqual(most);
      expect(
        sent.reduce((sum, [, s]) => sum + s.calls, 0),
        String(kind),
      ).toBeGreaterThan(5 * sent.length);
    }
    // A run's statements are the same few texts (each prepared once), well under the cap after
    // which a session prepares no more.
    for (const texts of named.values()) expect(texts.size).toBeLessThan(MAX_PREPARED / 2);
  });

  it('ends a transaction left idle on every session it commits on, the checked one too', async () => {
    // Read on each session just before each COMMIT: the probe's transactions before it was
    // handed to the run are rolled back, so what this sees is every session as the run uses it.
    const seen = new Map<pg.Client, Set<string>>();
    const original = pg.Client.prototype.query as (...args: unknown[]) => Promise<unknown>;
    const show = 'SHOW idle_in_transaction_session_timeout';
    (pg.Client.prototype as { query: unknown }).query = async function (this: pg.Client, ...args: unknown[]) {
      if (args[0] === 'COMMIT') {
        const { rows } = (await original.call(this, show)) as { rows: { idle_in_transaction_session_timeout: string }[] };
        seen.set(this, (seen.get(this) ?? new Set()).add(rows[0]!.idle_in_transaction_session_timeout));
      }
      return original.apply(this, args);
    };
    try {
      const { result } = await backfill(db, { batchSize: 200, restart: true });
      expect(result.status).toBe('completed');
    } finally {
      (pg.Client.prototype as { query: unknown }).query = original;
    }
    expect(seen.size).toBeGreaterThan(0);
    // idleInTransactionTimeoutMs: the larger of a minute and twice the statement timeout.
    expect([...seen.values()].map((values) => [...values])).toEqual([...seen.values()].map(() => ['1min']));
  });
});
