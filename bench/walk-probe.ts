/**
 * The probe that chose the backfill's walk order (issue #20): the same rows filled by several
 * walks, side by side on one durable server, in three server regimes, measuring what the server
 * pays — WAL, full-page images, HOT share — and the time.
 *
 *   npx tsx bench/walk-probe.ts [--rows 300000] [--dataset narrow|wide] [--regimes default,dense,throttled]
 *                               [--walks upstream,key,page-all,rounds,rounds-tid,rounds-noprune,rounds-2,rounds-3,room-first,room-first-2]
 *                               [--rate 5000] [--major 15] [--window 1000] [--wal]
 *
 * --window: pages of a window of the rounds walks (the tool sizes its windows to a tenth of the
 * checkpoint interval: about 260 pages at 5,000 rows/s and 30 s checkpoints on narrow rows).
 *
 * --wal also prints each walk's full-page images per relation, with the distinct pages imaged,
 * and per checkpoint interval the non-HOT updates (here: the updates that left their page) and
 * the index images (pg_walinspect, 15+; an interval starts at a redo point that a checkpoint
 * record in the walk's WAL names). The checkpoints the server counts are not the intervals the walk had: under the
 * rate limit, with 30 s checkpoints, 1,000-page windows (each judged for ten seconds, then
 * written in one burst) had redo points ~60 s apart, 264-page windows 30 s apart, and so half
 * the index images — from the checkpoint spacing, not the walk order. PostgreSQL skips a timed
 * checkpoint when nothing important was logged since the last checkpoint's record, and the
 * read-only judging of a window covered that moment every time (docs/benchmarks.md, fourteenth
 * session). --wal ends with the checkpoint lines of the server's log, to show such skips.
 *
 * Walks (none records a ledger: the probe compares walk orders, not the tool):
 * - upstream: the upstream migration's one UPDATE (its ALTER too).
 * - key: the tool's key-order batch statement, 1000 rows a transaction (src/backfill/sql/forward.ts).
 * - page-all: windows of 20 pages, every eligible row of a window in one transaction.
 * - rounds: the tool's page walk without its ledger — windows of 1000 pages judged once (chunks
 *   of 200 pages, read-only), then written in rounds of one row per page, each round a
 *   transaction that reaches its rows through the primary key (the index fetch prunes each page
 *   first) — src/backfill/sql/forward.ts judgeStatement / roundStatement.
 * - rounds-tid: the same rounds, but each row fetched by its address (a TID fetch, which does not
 *   prune) after a TID range read of the window (which does).
 * - rounds-noprune: rows fetched by address, with no read before the round: nothing prunes.
 * - rounds-2, rounds-3: the tool's rounds writing two or three rows of a page per round (each
 *   window's pages kept, so a round writes that many times the rows): fewer rounds and prunes,
 *   and fewer HOT updates, since a page needs room for that many new versions at once.
 * - room-first, room-first-2: two passes. The first makes, on every page of the table, the room
 *   the second will need: from each page's free space and its rows' lengths (pageinspect), it
 *   updates the fewest rows (the longest first) whose leaving makes room for every other row of
 *   the page to grow in place, all of a window's in one transaction — those updates cannot be
 *   HOT anyway, since a full page has no room for their new versions. The second is `rounds`
 *   (`rounds-2`) over what is left. The point: the index entries of the rows that leave their
 *   page are all made in the first, short pass, so each index leaf is imaged in one or two
 *   checkpoint intervals, not in every interval of a long run; the price is each heap page
 *   imaged once in each pass. Under --rate the first pass is charged the rows it writes.
 *
 * Regimes: default (no checkpoint in the run: max_wal_size 16GB, checkpoint_timeout 1h), dense
 * (max_wal_size 64MB: a checkpoint every few tens of MB of WAL, standing in for hours of a big
 * table against 5-minute checkpoints), throttled (--rate rows scanned per second, checkpoint_timeout 30s).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DATASET_SHAPES, type DatasetShape } from '../fixtures/generator.js';
import type { JudgedRow } from '../src/backfill/policy/rounds.js';
import { BATCH_PLANNER_SETTINGS, batchStatement, judgeStatement, roundStatement } from '../src/backfill/sql/forward.js';
import { readJudgement, spanCondition } from '../src/backfill/sql/page-walk.js';
import { quoted, sql } from '../src/db/sql.js';
import { qualify } from '../src/db/identifier.js';
import type { Queryable } from '../src/db/port.js';
import { withTransaction } from '../src/db/transaction.js';
import { appTables } from '../src/names.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { UPSTREAM_SQL } from './contenders/upstream.js';
import { cloneDatabase, createDataset, withClient } from './dataset.js';
import { checkpointsBegun, imagesPerRelation, writesPerInterval } from './metrics/full-page-images.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '300000' },
    dataset: { type: 'string', default: 'narrow' },
    regimes: { type: 'string', default: 'default,dense,throttled' },
    walks: { type: 'string', default: 'upstream,key,page-all,rounds,rounds-tid,rounds-noprune' },
    rate: { type: 'string', default: '5000' },
    major: { type: 'string', default: '15' },
    wal: { type: 'boolean', default: false },
    window: { type: 'string', default: '1000' },
  },
});
const rows = Number(args.rows);
const shape = args.dataset as DatasetShape;
if (!DATASET_SHAPES.includes(shape)) throw new Error(`--dataset must be one of ${DATASET_SHAPES.join(', ')}`);
const rate = Number(args.rate);

const REGIMES: Record<string, Record<string, string>> = {
  default: { max_wal_size: '16GB', min_wal_size: '80MB', checkpoint_timeout: '1h' },
  dense: { max_wal_size: '64MB', min_wal_size: '32MB', checkpoint_timeout: '1h' },
  throttled: { max_wal_size: '16GB', min_wal_size: '80MB', checkpoint_timeout: '30s' },
};

const usages = appTables('public').usages;
// The judge leaves out rows recorded as moved (ledger/moved-rows.ts); the probe keeps no ledger, so an empty table stands in.
const ADD_COLUMNS = `ALTER TABLE ${usages} ADD COLUMN cache_read_input_tokens bigint NOT NULL DEFAULT 0, ADD COLUMN cache_write_input_tokens bigint NOT NULL DEFAULT 0;
CREATE TEMP TABLE probe_moved_rows (run_id bigint, pass integer, row_address tid)`;
const NO_MOVED_ROWS = { table: qualify('pg_temp', 'probe_moved_rows'), runId: 0, pass: 0 };

/** Holds a rows-per-second rate: each transaction is charged for the rows it scanned. */
class RateLimit {
  private readyAt = performance.now();
  constructor(private readonly perSecond: number | null) {}
  async charge(scanned: number): Promise<void> {
    if (this.perSecond === null) return;
    this.readyAt = Math.max(this.readyAt, performance.now() - 1000) + (scanned * 1000) / this.perSecond;
    const wait = this.readyAt - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

type Walk = (client: pg.Client, limit: RateLimit) => Promise<void>;

async function heapPages(client: Queryable): Promise<number> {
  const { rows: r } = await client.query(`SELECT pg_relation_size($1::regclass) / 8192 AS pages`, [usages]);
  return Number(r[0]!.pages);
}

/** A round by address: each row fetched by its tid (a TID fetch prunes nothing). */
function tidRoundStatement(judged: readonly (JudgedRow & { address: string })[]) {
  // A judged row's text: id, version, cache read, cache write, page (judgedRowsSql).
  const rows = judged.map((r) => {
    const [id, version, read, write] = r.line.split(' ');
    return { address: r.address, id, version, values: [read, write] };
  });
  return {
    text: `WITH v AS (SELECT * FROM unnest($1::tid[], $2::uuid[], $3::xid[], $4::bigint[], $5::bigint[]) AS v(row_address, id, row_version, r, w))
UPDATE ${usages} AS t SET cache_read_input_tokens = v.r, cache_write_input_tokens = v.w FROM v
 WHERE t.ctid = v.row_address AND t.id = v.id AND t.xmin = v.row_version AND t.cache_read_input_tokens = 0 AND t.cache_write_input_tokens = 0`,
    values: [
      rows.map((r) => r.address),
      rows.map((r) => r.id),
      rows.map((r) => r.version),
      rows.map((r) => r.values[0]),
      rows.map((r) => r.values[1]),
    ],
  };
}

const WALKS: Record<string, Walk> = {
  upstream: async (client) => {
    await client.query('BEGIN');
    for (const statement of UPSTREAM_SQL) await client.query(statement);
    await client.query('COMMIT');
  },
  key: async (client, limit) => {
    await client.query(ADD_COLUMNS);
    let lo: string | null = null;
    for (;;) {
      const statement = batchStatement(usages, { lo, hi: null, size: 1000, existedBefore: new Date() });
      const { rows: r } = await withTransaction(client, (tx) => tx.query(statement.text, statement.values), {
        local: BATCH_PLANNER_SETTINGS,
      });
      const scanned = Number(r[0]!.scanned);
      await limit.charge(scanned);
      if (scanned < 1000) return;
      lo = r[0]!.last_id;
    }
  },
  'page-all': async (client, limit) => {
    await client.query(ADD_COLUMNS);
    const end = await heapPages(client);
    for (let from = 0; from < end; from += 20) {
      await withTransaction(
        client,
        async (tx) => {
          const judged = await judge(tx, from, from + 20, true);
          if (judged.rows.length > 0) await tx.query(tidRoundStatement(judged.rows).text, tidRoundStatement(judged.rows).values);
          await limit.charge(judged.scanned);
        },
        { local: { enable_seqscan: 'off', ...BATCH_PLANNER_SETTINGS } },
      );
    }
  },
  rounds: (client, limit) => roundsWalk(client, limit, 'index'),
  'rounds-tid': (client, limit) => roundsWalk(client, limit, 'tid'),
  'rounds-noprune': (client, limit) => roundsWalk(client, limit, 'noprune'),
  'rounds-2': (client, limit) => roundsWalk(client, limit, 'index', 2),
  'rounds-3': (client, limit) => roundsWalk(client, limit, 'index', 3),
  'room-first': (client, limit) => roomFirstWalk(client, limit, 1),
  'room-first-2': (client, limit) => roomFirstWalk(client, limit, 2),
};

/**
 * The tool's judge statement over pages [from, to). The statement returns no row addresses (only
 * the page), so a walk that fetches rows by address (`addresses`) reads them with one more TID
 * range read of the same pages: the probe has no concurrent writer, so both see the same rows.
 */
async function judge(db: Queryable, from: number, to: number, addresses: boolean) {
  const statement = judgeStatement(usages, { from, to, moved: NO_MOVED_ROWS }, new Date());
  const { rows: r } = await db.query(statement.text, statement.values);
  const judgement = readJudgement(r[0]!, 2);
  const at = new Map<string, string>();
  if (addresses) {
    const read = sql`SELECT t.id::text AS id, t.ctid::text AS address FROM ${quoted(usages)} AS t WHERE ${spanCondition({ from, to })}`;
    const { rows: found } = await db.query(read.text, read.values);
    for (const row of found) at.set(row.id, row.address);
  }
  return {
    scanned: judgement.scanned,
    rows: judgement.rows.map((row) => ({ ...row, address: at.get(row.line.slice(0, row.line.indexOf(' '))) ?? '' })),
  };
}

async function roundsWalk(
  client: pg.Client,
  limit: RateLimit,
  fetch: 'index' | 'tid' | 'noprune',
  perPage = 1,
  columnsAdded = false,
): Promise<void> {
  if (!columnsAdded) await client.query(ADD_COLUMNS);
  const WINDOW = Number(args.window);
  const CHUNK = 200;
  const end = await heapPages(client);
  for (let from = 0; from < end; from += WINDOW) {
    const to = Math.min(end, from + WINDOW);
    const list: (JudgedRow & { address: string })[] = [];
    for (let c = from; c < to; c += CHUNK) {
      const judged = await withTransaction(client, (tx) => judge(tx, c, Math.min(to, c + CHUNK), fetch !== 'index'), {
        mode: 'read-only',
        local: { enable_seqscan: 'off' },
      });
      list.push(...judged.rows);
      await limit.charge(judged.scanned);
    }
    const byPage = new Map<number, (JudgedRow & { address: string })[]>();
    for (const row of list) byPage.set(row.page, [...(byPage.get(row.page) ?? []), row]);
    for (let round = 0; ; round++) {
      const batch = [...byPage.values()].flatMap((rowsOfPage) => rowsOfPage.slice(round * perPage, (round + 1) * perPage));
      if (batch.length === 0) break;
      await withTransaction(
        client,
        async (tx) => {
          if (fetch === 'index') {
            const statement = roundStatement(usages, batch, { window: { from, to }, passEnd: end });
            await tx.query(statement.text, statement.values);
            return;
          }
          if (fetch === 'tid') {
            await tx.query(`SELECT count(*) FROM ${usages} AS t WHERE t.ctid >= $1::tid AND t.ctid < $2::tid`, [
              `(${from},0)`,
              `(${to},0)`,
            ]);
          }
          await tx.query(tidRoundStatement(batch).text, tidRoundStatement(batch).values);
        },
        { local: { enable_seqscan: 'off', ...BATCH_PLANNER_SETTINGS } },
      );
    }
  }
}

const maxAlign = (n: number) => Math.ceil(n / 8) * 8;

/**
 * The rows of one page that should leave it so that every other row can be updated in place,
 * `perPage` at a time: a HOT update needs room for its whole new version (16 bytes longer: the
 * two bigint columns) and a line pointer while the old version is still there, and after the
 * prune that follows its commit it keeps only the growth and the new line pointer. A row that
 * leaves frees its version (its line pointer stays, dead). The longest rows leave first.
 */
function rowsToLeave(free: number, lengths: readonly number[], perPage: number): number[] {
  const order = lengths.map((length, i) => ({ length, i })).sort((a, b) => b.length - a.length);
  const grow = (l: number) => maxAlign(l + 16) - maxAlign(l) + 4;
  // The last round still needs room for `perPage` whole new versions; the rounds before it leave
  // only their growth behind.
  const need = (stay: typeof order) =>
    stay.reduce((sum, r) => sum + grow(r.length), 0) +
    (stay.length === 0 ? 0 : perPage * (maxAlign(stay[0]!.length + 16) + 4 - grow(stay[0]!.length)));
  let room = free;
  let leave = 0;
  while (leave < order.length && need(order.slice(leave)) > room) room += maxAlign(order[leave++]!.length);
  return order.slice(0, leave).map((r) => r.i);
}

async function roomFirstWalk(client: pg.Client, limit: RateLimit, perPage: number): Promise<void> {
  await client.query(ADD_COLUMNS);
  await client.query('CREATE EXTENSION IF NOT EXISTS pageinspect');
  const WINDOW = 500;
  const end = await heapPages(client);
  let left = 0;
  for (let from = 0; from < end; from += WINDOW) {
    const to = Math.min(end, from + WINDOW);
    const leaving = await withTransaction(
      client,
      async (tx) => {
        const judged = await judge(tx, from, to, true);
        const { rows: space } = await tx.query(
          `SELECT p AS page, h.upper - h.lower AS free FROM generate_series($1::bigint, $2::bigint - 1) AS p, page_header(get_raw_page($3, p)) AS h`,
          [from, to, usages],
        );
        const { rows: items } = await tx.query(
          `SELECT p AS page, i.lp, i.lp_len FROM generate_series($1::bigint, $2::bigint - 1) AS p, heap_page_items(get_raw_page($3, p)) AS i WHERE i.lp_flags = 1`,
          [from, to, usages],
        );
        const free = new Map(space.map((r) => [Number(r.page), Number(r.free)]));
        const length = new Map(items.map((r) => [`(${r.page},${r.lp})`, Number(r.lp_len)]));
        const byPage = new Map<number, (typeof judged.rows)[number][]>();
        for (const row of judged.rows) byPage.set(row.page, [...(byPage.get(row.page) ?? []), row]);
        return [...byPage.entries()].flatMap(([page, rowsOfPage]) =>
          rowsToLeave(
            free.get(page) ?? 0,
            rowsOfPage.map((r) => length.get(r.address) ?? 0),
            perPage,
          ).map((i) => rowsOfPage[i]!),
        );
      },
      { mode: 'read-only', local: { enable_seqscan: 'off' } },
    );
    if (leaving.length === 0) continue;
    left += leaving.length;
    await withTransaction(
      client,
      async (tx) => {
        const statement = roundStatement(usages, leaving, { window: { from, to }, passEnd: end });
        await tx.query(statement.text, statement.values);
      },
      { local: { enable_seqscan: 'off', ...BATCH_PLANNER_SETTINGS } },
    );
    await limit.charge(leaving.length);
  }
  console.log(`  (room-first: ${left} rows updated in the first pass)`);
  await roundsWalk(client, limit, 'index', perPage, true);
}

interface Measured {
  ms: number;
  walBytes: number;
  fpi: number;
  checkpoints: number;
  upd: number;
  hot: number;
  heapPagesBefore: number;
  heapPagesAfter: number;
  sums: string;
}

async function serverCounters(client: pg.Client, versionNum: number): Promise<{ lsn: string; fpi: number; checkpoints: number }> {
  const lsn = (await client.query(`SELECT pg_current_wal_insert_lsn()::text AS l`)).rows[0].l as string;
  const fpi = Number((await client.query(`SELECT wal_fpi FROM pg_stat_wal`)).rows[0].wal_fpi);
  const ckptSql =
    versionNum >= 170000
      ? `SELECT num_timed + num_requested AS n FROM pg_stat_checkpointer`
      : `SELECT checkpoints_timed + checkpoints_req AS n FROM pg_stat_bgwriter`;
  const checkpoints = Number((await client.query(ckptSql)).rows[0].n);
  return { lsn, fpi, checkpoints };
}

async function measure(adminUrl: string, url: string, versionNum: number, walk: Walk, limit: RateLimit): Promise<Measured> {
  return withClient(url, async (client) => {
    if (args.wal) await client.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
    await client.query('CHECKPOINT');
    const heapPagesBefore = await heapPages(client);
    const before = await serverCounters(client, versionNum);
    const started = performance.now();
    await walk(client, limit);
    const ms = performance.now() - started;
    const after = await serverCounters(client, versionNum);
    const walBytes = Number(
      (await client.query(`SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint AS b`, [after.lsn, before.lsn])).rows[0].b,
    );
    let checkpoints = after.checkpoints - before.checkpoints;
    if (args.wal) {
      // pg_walinspect reads only flushed WAL: the checkpoint flushes the walk's.
      await client.query('CHECKPOINT');
      // The server's count includes timed checkpoints it skipped; the WAL has those it made.
      checkpoints = await checkpointsBegun(client, before.lsn, after.lsn);
      for (const r of await imagesPerRelation(client, before.lsn, after.lsn, 5)) {
        console.log(`  images of ${r.relation}: ${r.images} (${r.pages} pages, ${(r.images / r.pages).toFixed(2)} each)`);
      }
      const intervals = await writesPerInterval(client, before.lsn, after.lsn);
      console.log(
        `  per checkpoint interval, updates that left their page / index images: ${intervals.map((i) => `${i.nonHotUpdates}/${i.indexImages}`).join(' · ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 1200));
    await client.query('SELECT pg_stat_clear_snapshot()');
    const stats = (await client.query(`SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = $1::regclass`, [usages]))
      .rows[0];
    const sums = (
      await client.query(`SELECT sum(cache_read_input_tokens)::text || '/' || sum(cache_write_input_tokens)::text AS s FROM ${usages}`)
    ).rows[0].s as string;
    return {
      ms,
      walBytes,
      fpi: after.fpi - before.fpi,
      checkpoints,
      upd: Number(stats.n_tup_upd),
      hot: Number(stats.n_tup_hot_upd),
      heapPagesBefore,
      heapPagesAfter: await heapPages(client),
      sums,
    };
  });
}

const major = Number(args.major);
const server = await startEmbeddedServer({
  major,
  // pg_walinspect reads a walk's WAL after it: the checkpoints must not recycle it first.
  settings: { shared_buffers: '512MB', autovacuum: 'off', ...(args.wal ? { wal_keep_size: '24GB' } : {}) },
});
try {
  const versionNum = Number((await withClient(server.url, (c) => c.query(`SELECT current_setting('server_version_num') AS v`))).rows[0].v);
  const dataset = await createDataset(server.url, { name: 'probe_template', rows, seed: 42, shape });
  console.log(
    `${shape}, ${rows} rows, heap ${(dataset.heapBytes / 2 ** 20).toFixed(0)} MB, indexes ${(dataset.indexBytes / 2 ** 20).toFixed(0)} MB; PostgreSQL ${major}, shared_buffers 512MB, fsync on`,
  );
  let n = 0;
  for (const regime of args.regimes.split(',')) {
    const settings = REGIMES[regime];
    if (!settings) throw new Error(`unknown regime ${regime}`);
    await withClient(server.url, async (c) => {
      for (const [k, v] of Object.entries(settings)) await c.query(`ALTER SYSTEM SET ${k} = '${v}'`);
      await c.query('SELECT pg_reload_conf()');
    });
    console.log(
      `\nregime ${regime} (${Object.entries(settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}${regime === 'throttled' ? `, ${rate} rows/s` : ''})`,
    );
    console.log('walk            time s   WAL MB  ×up   FPI     FPI/heap pg  ckpts  HOT %   heap after ×before  sums');
    let upstreamWal: number | null = null;
    for (const name of args.walks.split(',')) {
      const walk = WALKS[name];
      if (!walk) throw new Error(`unknown walk ${name}`);
      const clone = await cloneDatabase(server.url, dataset.template, `probe_${n++}`, versionNum);
      const limit = new RateLimit(regime === 'throttled' && name !== 'upstream' ? rate : null);
      const m = await measure(server.url, clone.url, versionNum, walk, limit);
      if (name === 'upstream') upstreamWal = m.walBytes;
      console.log(
        [
          name.padEnd(15),
          (m.ms / 1000).toFixed(1).padStart(7),
          (m.walBytes / 2 ** 20).toFixed(0).padStart(8),
          (upstreamWal ? (m.walBytes / upstreamWal).toFixed(2) : '-').padStart(5),
          String(m.fpi).padStart(7),
          (m.fpi / m.heapPagesBefore).toFixed(2).padStart(12),
          String(m.checkpoints).padStart(6),
          ((100 * m.hot) / Math.max(1, m.upd)).toFixed(1).padStart(6),
          (m.heapPagesAfter / m.heapPagesBefore).toFixed(2).padStart(19),
          ` ${m.sums}`,
        ].join(' '),
      );
      await clone.drop();
    }
  }
  if (args.wal) {
    // The server's own account of its checkpoints (log_checkpoints is on from 15), the last few
    // that its log still holds: when each started and how long writing and syncing took.
    const lines = server.recentOutput().split('\n');
    console.log(lines.filter((line) => /checkpoint (starting|complete)/.test(line)).join('\n'));
  }
} finally {
  await server.stop();
}
