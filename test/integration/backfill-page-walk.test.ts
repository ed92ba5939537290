/**
 * What the page walk (PostgreSQL 14+) promises beyond what every walk does: it reads the heap
 * through TID range scans and reaches the rows it writes through the primary key; its updates
 * stay HOT; each heap page is imaged about once per pass even with a checkpoint between any two
 * windows; and it stays exact while other writers insert rows and update (and move) others.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fullPageImages, walInspectAvailable } from '../../bench/metrics/full-page-images.js';
import { judgeStatement, roundStatement } from '../../src/backfill/sql/forward.js';
import { roundRowsSql, roundSummarySql } from '../../src/backfill/sql/page-walk.js';
import { sql } from '../../src/db/sql.js';
import { evaluateMetadataText, ruleKeys } from '../../src/rule/index.js';
import { checkpointPace } from '../../src/backfill/run/server-facts.js';
import { windowPages, type JudgedRow } from '../../src/backfill/policy/rounds.js';
import { stepSettings } from '../../src/backfill/run/walker.js';
import { withTransaction } from '../../src/db/transaction.js';
import { DEFAULT_STATE_SCHEMA } from '../../src/config/common.js';
import { appTables, tables } from '../../src/names.js';
import { generateDataset } from '../../fixtures/generator.js';
import { startEmbeddedServer, type EmbeddedServer } from '../harness/embedded-server.js';
import { startImagingServer } from '../harness/imaging-server.js';
import { requestedMajor } from '../harness/provision.js';
import { loadBaselineSchema } from '../harness/template.js';
import { applyToolkitMigrations } from '../harness/toolkit-schema.js';
import { WALKS } from '../harness/walks.js';
import { genericPlan } from '../harness/generic-plan.js';
import {
  backfill,
  eligibleCount,
  instrumentedConnect,
  isBatchStatement,
  ledgerRuns,
  preparedDatabase,
  wrongRows,
} from '../harness/backfill.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;
const pageWalk = WALKS.includes('page');
/** pg_walinspect (15+) attributes images to the table: pg_stat_wal would count every database's. */
const walInspect = inject('pgVersionNum') >= 150_000;
const usages = appTables('public').usages;
const movedRows = tables('public', DEFAULT_STATE_SCHEMA).movedRows;

/** n_tup_upd / n_tup_hot_upd of the table, once every backend that changed it has reported. */
async function updateCounters(db: Db): Promise<{ upd: number; hot: number }> {
  const read = async () => {
    await db.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await db.query(
      `SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relid = $1::regclass`,
      [usages],
    );
    return rows[0] as { upd: number; hot: number };
  };
  // Backends report when idle (at most every second) and on exit; before 15 through a collector.
  let last = await read();
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await read();
    if (now.upd === last.upd && now.hot === last.hot && i >= 4) return now;
    last = now;
  }
  return last;
}

/** Each row's heap page now. */
async function pagesOfRows(db: Db): Promise<Map<string, number>> {
  const { rows } = await db.query(`SELECT id::text AS id, (ctid::text::point)[0]::int AS page FROM aibridge_token_usages`);
  return new Map(rows.map((r: { id: string; page: number }) => [r.id, r.page]));
}

/**
 * Runs a backfill (rounds of 1,000 rows at most, unless `options` say otherwise) of rows on
 * `pages`; the most rows of one page any round wrote, and the table's updates meanwhile.
 */
async function mostOfAPage(db: Db, pages: Map<string, number>, options: Record<string, unknown>) {
  let most = 0;
  const connect = instrumentedConnect(db.url, (text, _session, values) => {
    if (!/^WITH v AS \(/.test(text)) return;
    const perPage = new Map<number, number>();
    for (const line of String(values[0]).split(',')) {
      const page = pages.get(line.split(' ')[0]!)!;
      perPage.set(page, (perPage.get(page) ?? 0) + 1);
    }
    most = Math.max(most, ...perPage.values());
  });
  const before = await updateCounters(db);
  const { result } = await backfill({ url: db.url } as Db, { batchSize: 1000, ...options }, { connect });
  const after = await updateCounters(db);
  return { result, most, updates: after.upd - before.upd, hot: after.hot - before.hot };
}

describe.runIf(pageWalk)('page walk: the plans it relies on', () => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(3_000, 81);
  });
  afterAll(() => db.drop());

  const plan = async (statement: { text: string; values: unknown[] }) =>
    withTransaction(
      db.pool as any,
      async (tx) => (await tx.query(`EXPLAIN ${statement.text}`, statement.values)).rows.map((r) => r['QUERY PLAN'] as string).join('\n'),
      {
        local: {
          ...stepSettings({ timeouts: { statementTimeoutMs: 30_000, lockTimeoutMs: 5_000 }, walCompression: null }),
          enable_seqscan: 'off',
        },
      },
    );

  it('a judge reads its pages through a TID range scan', async () => {
    const text = await plan(judgeStatement(usages, { from: 0, to: 20, moved: { table: movedRows, runId: 0, pass: 0 } }, new Date()));
    expect(text).toMatch(/Tid Range Scan on aibridge_token_usages t/);
    expect(text).not.toMatch(/Seq Scan/);
  });

  it("a judge leaves out, in its own statement, the rows recorded as moved onto its pages in this run's pass", async () => {
    // A stand-in for the ledger's table, so no run has to be recorded.
    await db.query(`CREATE TABLE public.moved_stand_in (run_id bigint, pass integer, row_address tid)`);
    const moved = { table: '"public"."moved_stand_in"', runId: 7, pass: 1 };
    const { rows } = await db.query(`SELECT ctid::text AS a FROM ${usages} WHERE ctid < '(20,0)'::tid ORDER BY ctid LIMIT 4`);
    const { rows: beyond } = await db.query(`SELECT ctid::text AS a FROM ${usages} WHERE ctid >= '(20,0)'::tid LIMIT 1`);
    const record = (runId: number, pass: number, a: string) =>
      db.query(`INSERT INTO public.moved_stand_in VALUES ($1, $2, $3::tid)`, [runId, pass, a]);
    await record(7, 1, rows[0].a);
    await record(7, 1, rows[1].a);
    await record(7, 0, rows[2].a); // an earlier pass
    await record(8, 1, rows[3].a); // another run
    await record(7, 1, beyond[0].a); // not on the judge's pages
    const { rows: all } = await db.query(`SELECT count(*)::int AS n FROM ${usages} WHERE ctid < '(20,0)'::tid`);
    const judge = judgeStatement(usages, { from: 0, to: 20, moved }, new Date());
    const { rows: out } = await db.query(judge.text, judge.values);
    expect(Number(out[0].scanned)).toBe(all[0].n - 2);
  });

  it("a round's rows reach the server exactly as the judge gave them; an empty round is no row", async () => {
    const values = [
      { name: 'cache_read', type: 'bigint' },
      { name: 'cache_write', type: 'bigint' },
    ] as const;
    // As a judge gives them (judgedRowsSql): id, version, values, then the page, which the round does not read.
    const given = [
      { id: '40000000-0000-4000-8000-000000000000', version: '4294967295', values: ['9223372036854775807', '0'], page: 3 },
      { id: '7fffffff-ffff-4fff-bfff-ffffffffffff', version: '3', values: ['0', '41'], page: 4294967294 },
    ];
    const read = async (rows: readonly JudgedRow[]) => {
      const v = sql`SELECT v.id::text, v.row_version::text AS version, ARRAY[v.cache_read::text, v.cache_write::text] AS values FROM (${roundRowsSql(rows, values)}) AS v`;
      return (await db.query(v.text, v.values)).rows;
    };
    const judged = given.map((row) => ({ page: row.page, line: [row.id, row.version, ...row.values, row.page].join(' ') }));
    expect(await read(judged)).toEqual(given.map((row) => ({ id: row.id, version: row.version, values: row.values })));
    expect(await read([])).toEqual([]);
  });

  it('a round records as moved exactly the rows it put on a page of the pass outside its window', async () => {
    // The window is pages 10-19 of a pass that ends before page 40; what the updates returned
    // is a stand-in `u`, so every boundary can be placed.
    const returned = ['(0,1)', '(9,65535)', '(10,1)', '(19,7)', '(20,1)', '(39,300)', '(40,1)', '(4294967294,2)'];
    const summary = sql`WITH u AS (SELECT a::tid AS address FROM unnest(${returned}::text[]) AS a)
${roundSummarySql({ window: { from: 10, to: 20 }, passEnd: 40 })}`;
    const { rows } = await db.query(summary.text, summary.values);
    expect(Number(rows[0].updated)).toBe(returned.length);
    expect(rows[0].moved).toEqual(['(0,1)', '(9,65535)', '(20,1)', '(39,300)']);
  });

  it('a round reaches each row through the primary key (the index fetch prunes its page), never a scan', async () => {
    const { rows } = await db.query(`SELECT id::text AS id, xmin::text AS v FROM aibridge_token_usages LIMIT 50`);
    const judged = rows.map((r, i) => ({ page: i, line: `${r.id} ${r.v} 1 1 ${i}` }));
    const text = await plan(roundStatement(usages, judged, { window: { from: 0, to: 50 }, passEnd: 100 }));
    expect(text).toMatch(/Index Scan using aibridge_token_usages_pkey on aibridge_token_usages t/);
    expect(text).not.toMatch(/Seq Scan|Hash Join|Merge Join/);
  });

  it('prepared (as a run sends them), the judge and the round keep these plans as generic plans too', async () => {
    // After five runs PostgreSQL may keep a prepared statement's generic plan, made without the
    // parameters' values (src/db/prepared-statements.ts): force it, and read the plan.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT id::text AS id, xmin::text AS v FROM aibridge_token_usages LIMIT 50`);
      const judged = rows.map((r, i) => ({ page: i, line: `${r.id} ${r.v} 1 1 ${i}` }));
      const cases: [string, { text: string; values: unknown[] }, RegExp][] = [
        [
          'judge',
          judgeStatement(usages, { from: 0, to: 20, moved: { table: movedRows, runId: 0, pass: 0 } }, new Date()),
          /Tid Range Scan on aibridge_token_usages t/,
        ],
        [
          'round',
          roundStatement(usages, judged, { window: { from: 0, to: 50 }, passEnd: 100 }),
          /Index Scan using aibridge_token_usages_pkey on aibridge_token_usages t/,
        ],
      ];
      for (const [name, statement, expected] of cases) {
        const text = await genericPlan(client, statement, {
          ...stepSettings({ timeouts: { statementTimeoutMs: 30_000, lockTimeoutMs: 5_000 }, walCompression: null }),
          enable_seqscan: 'off',
        });
        expect(text, name).toMatch(expected);
        expect(text, name).not.toMatch(/Seq Scan|Hash Join|Merge Join/);
      }
    } finally {
      await client.end();
    }
  });
});

describe.runIf(pageWalk)('page walk: what the server pays', () => {
  let db: Db;
  beforeAll(async () => {
    // Narrow rows, as Coder's table mostly holds; vacuumed, so its pages are full.
    db = await preparedDatabase(12_000, 83, 'narrow');
    await db.query('VACUUM ANALYZE aibridge_token_usages');
  });
  afterAll(() => db.drop());

  it('a round writes two rows of a page, and at least 80% of the updates write no index entry', async () => {
    // No checkpoint cuts the windows short here: a window is half a round's rows in pages.
    const run = await mostOfAPage(db, await pagesOfRows(db), { batchSize: undefined });
    expect(run.result.status).toBe('completed');
    if (run.result.status !== 'completed') return;
    expect(run.most).toBe(2);
    expect(run.updates).toBe(run.result.summary.rowsUpdated);
    expect(run.hot / run.updates).toBeGreaterThanOrEqual(0.8);
  });
});

// With hint bits logged (data_checksums, on by default from PostgreSQL 18, or wal_log_hints), the
// first read of a page after a checkpoint writes its image: a judge read ahead of a checkpoint
// then costs the window a second image of each page it set a hint on.
describe.runIf(pageWalk && walInspect).each([
  ['hint bits as the server logs them', {}],
  ['hint bits logged (wal_log_hints)', { wal_log_hints: 'on' }],
])('page walk: full-page images per pass with a checkpoint between windows, %s', (_name, hintSettings) => {
  let server: EmbeddedServer;
  let admin: pg.Client;
  beforeAll(async () => {
    server = await startImagingServer(hintSettings);
    await loadBaselineSchema(server.url);
    await applyToolkitMigrations(server.url);
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    // Narrow rows, vacuumed: full pages, as an insert-only table has them.
    await generateDataset(admin, { rows: 12_000, seed: 87, shape: 'narrow' });
    await admin.query('VACUUM ANALYZE aibridge_token_usages');
    expect(await walInspectAvailable(admin)).toBe(true);
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  it('every heap page is imaged about once: at most 1.2 × the heap pages at the start', async () => {
    const heapPages = Number((await admin.query(`SELECT pg_relation_size('aibridge_token_usages') / 8192 AS n`)).rows[0].n);
    let windowsDone = 0;
    let lastNext = -1;
    let checkpoints = 0;
    const connect = instrumentedConnect(server.url, async (text) => {
      // A checkpoint between every two windows: a long run's checkpoints, as densely as they can
      // fall without landing inside a window.
      if (text === 'BEGIN' && windowsDone > checkpoints) {
        checkpoints = windowsDone;
        await admin.query('CHECKPOINT');
      }
    });
    await admin.query('CHECKPOINT');
    const from = (await admin.query(`SELECT pg_current_wal_insert_lsn()::text AS l`)).rows[0].l as string;
    const { result, events } = await backfill(
      { url: server.url } as Db,
      // Windows of 40 pages (rounds of 80 rows, two a page): this small table then has several,
      // and a checkpoint between each two.
      { batchSize: 80, readAhead: 'auto' },
      {
        connect,
        sink: (e) => {
          if (e.event === 'batch' && e.nextPage !== null && e.nextPage !== lastNext) {
            if (lastNext >= 0) windowsDone += 1;
            lastNext = e.nextPage;
          }
        },
      },
    );
    expect(result.status).toBe('completed');
    await admin.query('CHECKPOINT');
    const to = (await admin.query(`SELECT pg_current_wal_flush_lsn()::text AS l`)).rows[0].l as string;
    const images = await fullPageImages(admin, usages, from, to);
    const hintsLogged = (await checkpointPace(admin)).hintsLogged;
    const judgedAhead = events.filter((e) => e.event === 'batch' && e.step === 'judge' && e.judgedAhead).length;
    console.log(
      `[page walk] ${heapPages} heap pages, ${checkpoints} checkpoints, hints logged: ${hintsLogged}, ${judgedAhead} judges read ahead: ${images.heap} heap images, ${images.index} index images`,
    );
    expect(checkpoints).toBeGreaterThanOrEqual(5);
    expect(images.heap).toBeLessThanOrEqual(1.2 * heapPages);
    // Every page of the heap held rows to write: each was imaged at least once.
    expect(images.heap).toBeGreaterThanOrEqual(0.9 * heapPages);
    // --read-ahead auto: where a judge's read writes no images, it reads ahead; where it does, a
    // checkpoint every two windows is too frequent for it (`on` there: 370 heap images, failing).
    if (hintsLogged) expect(judgedAhead).toBe(0);
    else expect(judgedAhead).toBeGreaterThan(0);
  });

  it('--read-ahead auto with no checkpoint in the run: reads ahead from the start, or, where hint bits are logged, after ten windows', async () => {
    // New rows on every page, for a new run (an UPDATE would move them all to the heap's end,
    // behind windows with nothing to write); no checkpoint is forced this time.
    await admin.query('TRUNCATE aibridge_token_usages');
    await generateDataset(admin, { rows: 12_000, seed: 88, shape: 'narrow' });
    await admin.query('VACUUM ANALYZE aibridge_token_usages');
    await admin.query('CHECKPOINT');
    const hintsLogged = (await checkpointPace(admin)).hintsLogged;
    // Windows of 10 pages: this table then has more than twenty.
    const { result, events } = await backfill({ url: server.url } as Db, { batchSize: 10, readAhead: 'auto' });
    expect(result.status).toBe('completed');
    const judges = events.filter((e) => e.event === 'batch' && e.step === 'judge');
    // Windows begun before the first judge read ahead, by the pages the walk had reached.
    const firstAhead = judges.findIndex((e) => e.event === 'batch' && e.judgedAhead);
    expect(firstAhead).toBeGreaterThan(0);
    const windowsBefore = new Set(judges.slice(0, firstAhead).map((e) => (e.event === 'batch' ? e.nextPage : null))).size;
    if (hintsLogged) expect(windowsBefore).toBeGreaterThanOrEqual(10);
    else expect(windowsBefore).toBeLessThan(3);
  });
});

describe.runIf(pageWalk)('page walk where checkpoints cut windows short: two rows of a page per round', () => {
  // A server of its own, checkpointing every ~17 MB of WAL: windows of ~100 pages.
  let server: EmbeddedServer;
  let admin: pg.Client;
  const db = () => ({ url: server.url, query: (text: string, values?: unknown[]) => admin.query(text, values) }) as unknown as Db;
  beforeAll(async () => {
    server = await startEmbeddedServer({ major: requestedMajor(), fast: true, settings: { max_wal_size: '32MB', min_wal_size: '32MB' } });
    await loadBaselineSchema(server.url);
    await applyToolkitMigrations(server.url);
    admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  /** Fresh narrow rows on full pages; each row's page. */
  async function freshTable(seed: number): Promise<Map<string, number>> {
    await admin.query('TRUNCATE aibridge_token_usages');
    await generateDataset(admin, { rows: 12_000, seed, shape: 'narrow' });
    await admin.query('VACUUM ANALYZE aibridge_token_usages');
    return pagesOfRows(db());
  }

  it('the pace makes windows shorter than a round: checkpoints bound them', async () => {
    const pace = await checkpointPace(admin);
    expect(windowPages({ roundSize: 1000, perPage: 2, pace, msPerPage: null, rowsPerPage: null, maxRowsPerSecond: null }).bound).toBe(
      'wal',
    );
  });

  it('a round writes two rows of a page; every row is written, once, and at least 80% of the updates stay HOT', async () => {
    const pages = await freshTable(91);
    const needed = await eligibleCount(db());
    const run = await mostOfAPage(db(), pages, {});
    expect(run.result.status).toBe('completed');
    if (run.result.status !== 'completed') return;
    expect(run.most).toBe(2);
    expect(await eligibleCount(db())).toBe(0);
    expect(run.result.summary.rowsUpdated).toBe(needed);
    expect(run.updates).toBe(needed);
    expect(run.hot / run.updates).toBeGreaterThanOrEqual(0.8);
  });

  it("--reverse too: two rows of a page per round, and the metadata gives back every row's columns", async () => {
    await freshTable(93);
    expect((await backfill({ url: server.url } as Db, { batchSize: 1000 })).result.status).toBe('completed');
    // The application's new version writes the columns only: strip the rule's keys, as its rows lack them.
    await admin.query(`UPDATE aibridge_token_usages SET metadata = metadata - $1::text[]`, [ruleKeys()]);
    await admin.query('VACUUM ANALYZE aibridge_token_usages');
    const run = await mostOfAPage(db(), await pagesOfRows(db()), { reverse: true });
    expect(run.result.status).toBe('completed');
    if (run.result.status !== 'completed') return;
    expect(run.most).toBe(2);
    expect(run.result.summary.unreversibleRows).toBe(0);
    expect(run.result.summary.rowsUpdated).toBeGreaterThan(1000);
    expect(run.updates).toBe(run.result.summary.rowsUpdated);
    const { rows } = await admin.query(
      `SELECT metadata::text AS metadata, cache_read_input_tokens::text AS r, cache_write_input_tokens::text AS w FROM aibridge_token_usages`,
    );
    const wrong = rows.filter((row) => {
      const rule = evaluateMetadataText(row.metadata);
      return rule.cacheRead.toString() !== row.r || rule.cacheWrite.toString() !== row.w;
    });
    expect(wrong).toEqual([]);
  });

  it('under a rate limit, one row of a page per round: the limit sets the time, so HOT is kept', async () => {
    const pages = await freshTable(92);
    const run = await mostOfAPage(db(), pages, { maxRowsPerSecond: 50_000 });
    expect(run.result.status).toBe('completed');
    expect(run.most).toBe(1);
  });
});

describe.each(WALKS)('concurrent writers during the run (%s walk)', (walk) => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(6_000, 89);
  });
  afterAll(() => db.drop());

  it('inserts and updates of other columns (moving rows) meanwhile: every row right, each written once, the ledger exact', async () => {
    // Count the backfill's own updates per row (it is the only writer of the cache columns).
    await db.query(`CREATE TABLE backfill_writes (id uuid, n int)`);
    await db.query(`CREATE FUNCTION count_backfill_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.cache_read_input_tokens IS DISTINCT FROM OLD.cache_read_input_tokens OR NEW.cache_write_input_tokens IS DISTINCT FROM OLD.cache_write_input_tokens THEN
          INSERT INTO backfill_writes VALUES (NEW.id, 1);
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(
      `CREATE TRIGGER count_backfill_write AFTER UPDATE ON aibridge_token_usages FOR EACH ROW EXECUTE FUNCTION count_backfill_write()`,
    );
    const needed = await eligibleCount(db);

    const app = new pg.Client({ connectionString: db.url, application_name: 'coder-app' });
    await app.connect();
    let stop = false;
    let inserted = 0;
    let moved = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        if (i % 2 === 0) {
          // An old application version: the cache counts only in metadata.
          await app.query(
            `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
             VALUES (gen_random_uuid(), gen_random_uuid(), 'live', 100, 5, jsonb_build_object('prompt_cached', $1::int), now())`,
            [10 + i],
          );
          inserted += 1;
        } else {
          // Another column of a random row changes; the new version may land on another page.
          const { rows } = await app.query(
            `WITH old AS (SELECT id, ctid FROM aibridge_token_usages TABLESAMPLE SYSTEM (10) LIMIT 1)
             UPDATE aibridge_token_usages AS t SET output_tokens = t.output_tokens + 1 FROM old WHERE t.id = old.id
             RETURNING (old.ctid::text::point)[0] <> (t.ctid::text::point)[0] AS moved`,
          );
          if (rows[0]?.moved) moved += 1;
        }
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    const { result } = await backfill(db, { batchSize: 150, walk, convergePasses: 10 });
    stop = true;
    await writer;
    await app.end();
    expect(result.status).toBe('completed');
    if (result.status !== 'completed') return;
    expect(inserted).toBeGreaterThan(10);

    // A last run catches what was written after this one's final count.
    const late = await backfill(db, { walk });
    expect(late.result.status).toBe('completed');
    expect(await wrongRows(db)).toEqual([]);
    const { rows: writes } = await db.query(
      `SELECT count(*)::int AS rows, count(*) FILTER (WHERE n > 1)::int AS twice FROM (SELECT id, sum(n) AS n FROM backfill_writes GROUP BY id) w`,
    );
    // Each row written once, and the ledger's count of writes is the table's.
    expect(writes[0].twice).toBe(0);
    const runs = await ledgerRuns(db);
    expect(runs.reduce((s, r) => s + Number(r.rows_updated), 0)).toBe(writes[0].rows);
    expect(writes[0].rows).toBeGreaterThanOrEqual(needed);
    // The rows the table held when the run began, counted by its first pass: exactly, in key
    // order (a key never moves); in page order, every row once but for rows another writer moved
    // meanwhile (a physical walk may meet a moved row twice, or not at all) — Coder never
    // updates these rows.
    const { rows: existed } = await db.query(`SELECT count(*)::int AS n FROM aibridge_token_usages WHERE created_at <= $1`, [
      runs[0].max_created_at_at_start,
    ]);
    const rowsAtStart = existed[0].n;
    const atStart = Number(runs[0].table_rows_at_start);
    if (walk === 'key') expect(atStart).toBe(rowsAtStart);
    else expect(Math.abs(atStart - rowsAtStart), `${moved} rows moved`).toBeLessThanOrEqual(moved);
  });
});

describe.runIf(pageWalk)("page walk: the next window judged ahead on a second session while this one's rounds write", () => {
  /** Judge statements by the kind of transaction they ran in: the lane's own (read-write) or the read-ahead's (read-only). */
  function judgeCounter(url: string, failAhead = false) {
    const begins = new Map<number, string>();
    const judges = { lane: 0, ahead: 0, failed: 0 };
    const connect = instrumentedConnect(url, (text, session) => {
      if (text.startsWith('BEGIN')) begins.set(session, text);
      if (!text.startsWith('WITH j AS MATERIALIZED')) return;
      if (!begins.get(session)!.includes('READ ONLY')) {
        judges.lane += 1;
        return;
      }
      judges.ahead += 1;
      if (failAhead && judges.failed === 0) {
        judges.failed += 1;
        throw new Error('the read-ahead session failed');
      }
    });
    return { connect, judges };
  }

  async function backendsLeft(db: Db): Promise<number> {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'aibridge-migrate backfill' AND pid <> pg_backend_pid()`,
    );
    return rows[0].n;
  }

  async function exactRun(db: Db, options: Record<string, unknown>, connect: ReturnType<typeof instrumentedConnect>) {
    const rows = Number((await db.query(`SELECT count(*) AS n FROM aibridge_token_usages`)).rows[0].n);
    const { result, events } = await backfill(db, { batchSize: 40, readAhead: 'on', ...options }, { connect });
    expect(result.status).toBe('completed');
    expect(await wrongRows(db)).toEqual([]);
    // Each row counted once: whichever session judged it, the lane recorded it.
    expect(Number((await ledgerRuns(db))[0].rows_scanned)).toBe(rows);
    expect(await backendsLeft(db)).toBe(0);
    return events;
  }

  it('judges run on the read-ahead session too; every row is right, counted once, and the session is closed at the end', async () => {
    const db = await preparedDatabase(6_000, 93);
    try {
      const { connect, judges } = judgeCounter(db.url);
      const events = await exactRun(db, {}, connect);
      // The first window is judged by the lane: nothing was being written before it. A window
      // whose rounds are fewer than its judges (one is read ahead per round) is finished by the lane.
      expect(judges.lane).toBeGreaterThan(0);
      expect(judges.ahead).toBeGreaterThan(0.2 * (judges.lane + judges.ahead));
      // The progress events say which judges were read ahead: each such read once at most (one
      // dropped when the walk went another way is in no event).
      const judgedAhead = events.filter((e) => e.event === 'batch' && e.step === 'judge' && e.judgedAhead).length;
      expect(judgedAhead).toBeGreaterThan(0.2 * (judges.lane + judges.ahead));
      expect(judgedAhead).toBeLessThanOrEqual(judges.ahead);
    } finally {
      await db.drop();
    }
  });

  it("no round begins while a judge read ahead that began before the last round's commit still reads: its snapshot would keep the round from pruning", async () => {
    const db = await preparedDatabase(6_000, 96, 'narrow');
    try {
      type Statement = { session: number; text: string; start: number; end: number };
      const done: Statement[] = [];
      const begins = new Map<number, string>();
      let sessions = 0;
      const inner = instrumentedConnect(db.url, () => {});
      const connect = async () => {
        const session = await inner();
        const no = ++sessions;
        return {
          query: async (text: string, values?: unknown[]) => {
            const start = performance.now();
            try {
              return await session.query(text, values);
            } finally {
              if (text.startsWith('BEGIN')) begins.set(no, text);
              const kind = text.startsWith('WITH j AS MATERIALIZED') ? (begins.get(no)!.includes('READ ONLY') ? 'ahead' : 'judge') : text;
              done.push({ session: no, text: isBatchStatement(text) ? 'round' : kind, start, end: performance.now() });
            }
          },
          end: () => session.end(),
        } as any;
      };
      await exactRun(db, {}, connect);
      const rounds = done.filter((s) => s.text === 'round');
      const aheads = done.filter((s) => s.text === 'ahead');
      expect(aheads.length).toBeGreaterThan(3);
      // The commit of each round: the lane session's next COMMIT after it.
      const commits = rounds.map((r) => done.find((s) => s.session === r.session && s.text === 'COMMIT' && s.start >= r.end)!.end);
      for (const [i, round] of rounds.entries()) {
        const lastCommit = i === 0 ? Number.NEGATIVE_INFINITY : commits[i - 1]!;
        const stale = aheads.filter((j) => j.start < lastCommit && j.end > round.start);
        expect(stale, `round ${i}`).toEqual([]);
      }
    } finally {
      await db.drop();
    }
  });

  it('a rate limit turns it off: the run must not read faster than the limit allows', async () => {
    const db = await preparedDatabase(3_000, 94);
    try {
      const { connect, judges } = judgeCounter(db.url);
      await exactRun(db, { maxRowsPerSecond: 1_000_000 }, connect);
      expect(judges.ahead).toBe(0);
      expect(judges.lane).toBeGreaterThan(0);
    } finally {
      await db.drop();
    }
  });

  it('a read-ahead that fails turns itself off, and the lane judges the rest itself, exactly', async () => {
    const db = await preparedDatabase(6_000, 95);
    try {
      const { connect, judges } = judgeCounter(db.url, true);
      await exactRun(db, {}, connect);
      expect(judges.failed).toBe(1);
      expect(judges.ahead).toBe(1);
      expect(judges.lane).toBeGreaterThan(3);
    } finally {
      await db.drop();
    }
  });
});
