/**
 * Full-page images in a stretch of WAL, per relation: how many times PostgreSQL wrote a whole
 * 8 kB page of the table and of each of its indexes. pg_stat_wal.wal_fpi (14+) counts them for
 * the whole server; pg_walinspect (15+, a contrib extension the embedded binaries ship) reads
 * the WAL itself, so a measurement is not disturbed by other databases of the same server.
 */
import type pg from 'pg';

export interface ImagesByRelation {
  /** Images of the table's heap pages. */
  heap: number;
  /** Images of its index pages, all indexes together. */
  index: number;
  /** Every image in the stretch, whatever the relation or database. */
  all: number;
}

/** Whether pg_walinspect can be used here (PostgreSQL 15+, superuser); creates it when it can. */
export async function walInspectAvailable(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  if (Number(rows[0]!.v) < 150000) return false;
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
    return true;
  } catch {
    return false;
  }
}

/**
 * Images between `from` and `to` (LSNs) of `table`'s heap and indexes in the connected
 * database. Each record's block references read `rel <tablespace>/<database>/<relfilenode>
 * [fork <fork>] blk <n> (FPW)…` when the block carries an image. `to` must not pass the WAL
 * flushed so far (pg_current_wal_flush_lsn()).
 */
export async function fullPageImages(client: pg.ClientBase, table: string, from: string, to: string): Promise<ImagesByRelation> {
  const { rows } = await client.query<{ kind: string; n: string }>(
    `WITH refs AS (
       SELECT m[1]::oid AS db, m[2]::oid AS node
         FROM pg_get_wal_records_info($2::pg_lsn, $3::pg_lsn) AS r,
              regexp_matches(r.block_ref, 'rel \\d+/(\\d+)/(\\d+)(?: fork \\w+)? blk \\d+ \\(?FPW', 'g') AS m
     ), mine AS (
       SELECT pg_relation_filenode($1::regclass) AS node, 'heap' AS kind
       UNION ALL
       SELECT pg_relation_filenode(i.indexrelid), 'index' FROM pg_index i WHERE i.indrelid = $1::regclass
     )
     SELECT COALESCE(mine.kind, 'other') AS kind, count(*) AS n
       FROM refs LEFT JOIN mine ON refs.node = mine.node AND refs.db = (SELECT oid FROM pg_database WHERE datname = current_database())
      GROUP BY 1`,
    [table, from, to],
  );
  const by = (kind: string) => Number(rows.find((r) => r.kind === kind)?.n ?? 0);
  return { heap: by('heap'), index: by('index'), all: by('heap') + by('index') + by('other') };
}

/**
 * Images between `from` and `to` by the resource manager that wrote them: heap records (Heap,
 * Heap2) image heap pages, Btree records index pages, the rest (XLOG's hint-bit images with
 * data checksums on, catalogs) count in `all` only. Attributed by page kind, not by table, so
 * only one thing may run on the server meanwhile (as the benchmark runs its contenders).
 * pg_get_wal_stats would be quicker but gives image bytes, not images.
 */
export async function fullPageImagesByKind(client: pg.ClientBase, from: string, to: string): Promise<ImagesByRelation> {
  const { rows } = await client.query<{ rm: string; n: string }>(
    `SELECT resource_manager AS rm, sum((length(block_ref) - length(replace(block_ref, 'FPW', ''))) / 3)::bigint AS n
       FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)
      WHERE block_ref LIKE '%FPW%'
      GROUP BY 1`,
    [from, to],
  );
  const sum = (names: string[]) => rows.filter((r) => names.includes(r.rm)).reduce((s, r) => s + Number(r.n), 0);
  return { heap: sum(['Heap', 'Heap2']), index: sum(['Btree']), all: rows.reduce((s, r) => s + Number(r.n), 0) };
}

/** Images of one relation in a stretch of WAL, and how many distinct pages of it they were. */
export interface RelationImages {
  relation: string;
  images: number;
  pages: number;
}

/**
 * Images between `from` and `to` per relation of the connected database, the most imaged first:
 * images over distinct pages says how many times a page was imaged again (once per checkpoint
 * interval it was written in). Relations of other databases show as their relfilenode.
 */
export async function imagesPerRelation(client: pg.ClientBase, from: string, to: string, limit = 10): Promise<RelationImages[]> {
  const { rows } = await client.query<{ relation: string; images: string; pages: string }>(
    `SELECT COALESCE(pg_filenode_relation(0, m[1]::oid)::text, m[1]) AS relation, count(*)::bigint AS images,
            count(DISTINCT m[2])::bigint AS pages
       FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) AS r,
            regexp_matches(r.block_ref, 'rel \\d+/\\d+/(\\d+)(?: fork \\w+)? blk (\\d+) \\(?FPW', 'g') AS m
      GROUP BY 1 ORDER BY 2 DESC LIMIT $3`,
    [from, to, limit],
  );
  return rows.map((r) => ({ relation: r.relation, images: Number(r.images), pages: Number(r.pages) }));
}

/** The redo point an online checkpoint's record names in its description ("redo 0/…; tli …"). */
const REDO_POINT = `substring(description FROM 'redo ([0-9A-F]+/[0-9A-F]+)')::pg_lsn`;

/**
 * Checkpoints that began between `from` and `to`: those whose redo point lies there, counted
 * from their records, which a checkpoint writes when it ends — so the WAL is read up to what has
 * been flushed, and a checkpoint still running is counted only after it has ended (a CHECKPOINT
 * after `to` waits for it). Unlike the server's counters (pg_stat_bgwriter, pg_stat_checkpointer
 * before 17's num_done), this leaves out the timed checkpoints PostgreSQL skipped because
 * nothing had been logged since the last one's record.
 */
export async function checkpointsBegun(client: pg.ClientBase, from: string, to: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*)::bigint AS n
       FROM pg_get_wal_records_info($1::pg_lsn, pg_current_wal_flush_lsn())
      WHERE resource_manager = 'XLOG' AND record_type = 'CHECKPOINT_ONLINE'
        AND ${REDO_POINT} >= $1::pg_lsn AND ${REDO_POINT} < $2::pg_lsn`,
    [from, to],
  );
  return Number(rows[0]!.n);
}

/** One checkpoint interval of a stretch of WAL: from a redo point to the next. */
export interface IntervalWrites {
  /** The interval's redo point (the stretch's start for the first). */
  from: string;
  /**
   * Updates that were not HOT (Heap/UPDATE records), each with an entry in every index: in the
   * backfill, which changes no indexed column, the updates that left their page.
   */
  nonHotUpdates: number;
  /** Index (Btree) images. */
  indexImages: number;
}

/**
 * Non-HOT updates and index images per checkpoint interval: an index page is imaged once in each
 * interval it is written in, so what counts is how the updates that write index entries spread
 * over the intervals. An interval starts at a checkpoint's redo point, which its CHECKPOINT_ONLINE
 * record, written when the checkpoint ends, names: read up to the WAL flushed, so that a
 * checkpoint still running at `to` is seen once a CHECKPOINT after `to` has waited for it.
 */
export async function writesPerInterval(client: pg.ClientBase, from: string, to: string): Promise<IntervalWrites[]> {
  const { rows } = await client.query<{ start: string; moved: string; images: string }>(
    `WITH recs AS MATERIALIZED (
       SELECT start_lsn, resource_manager AS rm, record_type AS type, block_ref, description
         FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)
     ), redo AS MATERIALIZED (
       SELECT $1::pg_lsn AS at
       UNION
       SELECT ${REDO_POINT} FROM pg_get_wal_records_info($1::pg_lsn, pg_current_wal_flush_lsn())
        WHERE resource_manager = 'XLOG' AND record_type = 'CHECKPOINT_ONLINE' AND ${REDO_POINT} > $1::pg_lsn AND ${REDO_POINT} < $2::pg_lsn
     ), tagged AS (
       SELECT (SELECT max(r.at) FROM redo r WHERE r.at <= recs.start_lsn) AS interval, recs.*
         FROM recs
     )
     SELECT interval::text AS start,
            count(*) FILTER (WHERE rm = 'Heap' AND type LIKE 'UPDATE%')::bigint AS moved,
            coalesce(sum((length(block_ref) - length(replace(block_ref, 'FPW', ''))) / 3) FILTER (WHERE rm = 'Btree'), 0)::bigint AS images
       FROM tagged GROUP BY interval ORDER BY interval`,
    [from, to],
  );
  return rows.map((r) => ({ from: r.start, nonHotUpdates: Number(r.moved), indexImages: Number(r.images) }));
}
