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
