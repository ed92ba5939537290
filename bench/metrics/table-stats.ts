/**
 * What a step left behind in the table: heap and index size, update counters (for the HOT
 * share) and the sums of the two new columns (so contenders can be checked to have produced
 * the same values, not just taken different times).
 */
import pg from 'pg';
import { qualify } from '../../src/db/identifier.js';

export interface TableStats {
  heapBytes: number;
  indexBytes: number;
  /** Cumulative since the database was created (clones start at zero). */
  tupUpdated: number;
  tupHotUpdated: number;
  /** Blocks of the table's heap and of its indexes found in shared buffers (hit) or read in, cumulative. */
  blocks: { heapRead: number; heapHit: number; indexRead: number; indexHit: number };
  /** null until the columns exist. */
  columnSums: { read: string; write: string } | null;
}

async function readCounters(client: pg.Client, relation: string): Promise<{ upd: number; hot: number }> {
  // A fresh snapshot: with stats_fetch_consistency = cache (15+) a session would otherwise
  // keep returning what it read first.
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query<{ upd: string | null; hot: string | null }>(
    `SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relid = to_regclass($1)`,
    [relation],
  );
  return { upd: Number(rows[0]?.upd ?? 0), hot: Number(rows[0]?.hot ?? 0) };
}

async function otherBackends(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
  );
  return Number(rows[0]!.n);
}

/**
 * Backends report their counters when they go idle (rate-limited) and when they exit, and a
 * reader may look before an exiting backend's report has landed (before 15, the collector
 * adds its own delay). So: wait until the contender's backends are gone, then until two
 * reads a little apart agree. Bounded: after `maxWaitMs` the last read is used.
 */
async function settledCounters(client: pg.Client, relation: string, maxWaitMs: number): Promise<{ upd: number; hot: number }> {
  const started = performance.now();
  const deadline = started + maxWaitMs;
  while ((await otherBackends(client)) > 0 && performance.now() < deadline) await sleep(50);
  let previous = await readCounters(client, relation);
  while (performance.now() < deadline) {
    await sleep(250);
    const current = await readCounters(client, relation);
    // Two equal zeros prove nothing before 15: the collector may simply not have the report yet
    // (it sends at most every 500 ms); give a silent counter 1.5 s before believing it.
    const believable = current.upd > 0 || performance.now() - started > 1500;
    if (current.upd === previous.upd && current.hot === previous.hot && believable) return current;
    previous = current;
  }
  return previous;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `sums: false` skips the full scan for the column sums (it would warm the cache before a run). */
export async function readTableStats(
  url: string,
  schema: string,
  table: string,
  options: { settleMs?: number; sums?: boolean } = {},
): Promise<TableStats> {
  const relation = qualify(schema, table);
  const client = new pg.Client({ connectionString: url, application_name: 'aibridge-bench-metrics' });
  await client.connect();
  try {
    const counters = await settledCounters(client, relation, options.settleMs ?? 3000);
    const sizes = await client.query<{ heap: string; idx: string; has_columns: boolean }>(
      `SELECT pg_relation_size(c.oid) AS heap, pg_indexes_size(c.oid) AS idx,
              (SELECT count(*) = 2 FROM pg_attribute a
                WHERE a.attrelid = c.oid AND NOT a.attisdropped
                  AND a.attname IN ('cache_read_input_tokens', 'cache_write_input_tokens')) AS has_columns
         FROM pg_class c WHERE c.oid = to_regclass($1)`,
      [relation],
    );
    const row = sizes.rows[0];
    if (!row) throw new Error(`table ${relation} not found`);
    // Read after the update counters settled: the same reports carry both.
    const io = await client.query<{ hr: string; hh: string; ir: string; ih: string }>(
      `SELECT COALESCE(heap_blks_read, 0) AS hr, COALESCE(heap_blks_hit, 0) AS hh, COALESCE(idx_blks_read, 0) AS ir, COALESCE(idx_blks_hit, 0) AS ih
         FROM pg_statio_user_tables WHERE relid = to_regclass($1)`,
      [relation],
    );
    const b = io.rows[0];
    let columnSums: TableStats['columnSums'] = null;
    if (row.has_columns && options.sums !== false) {
      const sums = await client.query<{ r: string; w: string }>(
        `SELECT COALESCE(sum(cache_read_input_tokens), 0)::text AS r, COALESCE(sum(cache_write_input_tokens), 0)::text AS w FROM ${relation}`,
      );
      columnSums = { read: sums.rows[0]!.r, write: sums.rows[0]!.w };
    }
    return {
      heapBytes: Number(row.heap),
      indexBytes: Number(row.idx),
      tupUpdated: counters.upd,
      tupHotUpdated: counters.hot,
      blocks: {
        heapRead: Number(b?.hr ?? 0),
        heapHit: Number(b?.hh ?? 0),
        indexRead: Number(b?.ir ?? 0),
        indexHit: Number(b?.ih ?? 0),
      },
      columnSums,
    };
  } finally {
    await client.end();
  }
}
