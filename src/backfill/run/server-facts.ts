/** What the walk plans with that only the server knows: the heap's size, the checkpoint pace and WAL compression (its version: db/server-version.ts). */
import type { Queryable } from '../../db/port.js';
import { sql } from '../../db/sql.js';
import type { CheckpointPace } from '../policy/rounds.js';
import type { WalCompressionFacts } from '../policy/wal-compression.js';

/** Pages of `usages`'s heap now (its main fork; the block size read from the server). */
export async function heapPages(db: Queryable, usages: string): Promise<number> {
  const pages = sql`SELECT pg_relation_size(${usages}::regclass) / current_setting('block_size')::bigint AS pages`;
  const { rows } = await db.query(pages.text, pages.values);
  return Number(rows[0]!.pages);
}

/**
 * How often the server checkpoints, and whether hint bits are logged. PostgreSQL starts a
 * checkpoint when the WAL written since the last one reaches max_wal_size / (1 +
 * checkpoint_completion_target), or when checkpoint_timeout has passed. Readable by any role.
 */
export async function checkpointPace(db: Queryable): Promise<CheckpointPace> {
  const { rows } = await db.query(
    `SELECT pg_size_bytes(current_setting('max_wal_size')) / (1 + current_setting('checkpoint_completion_target')::float8) AS wal_bytes,
            extract(epoch FROM current_setting('checkpoint_timeout')::interval) * 1000 AS timeout_ms,
            current_setting('data_checksums')::bool OR current_setting('wal_log_hints')::bool AS hints_logged`,
  );
  const row = rows[0]!;
  return { walBytes: Number(row.wal_bytes), timeoutMs: Number(row.timeout_ms), hintsLogged: row.hints_logged === true };
}

/**
 * The redo point of the server's last checkpoint: it moves once per checkpoint. Null where the
 * server does not say (pg_control_checkpoint() is readable by any role unless revoked).
 */
export async function lastCheckpointRedo(db: Queryable): Promise<string | null> {
  try {
    const { rows } = await db.query(`SELECT redo_lsn::text AS redo FROM pg_control_checkpoint()`);
    return (rows[0]?.redo as string | undefined) ?? null;
  } catch {
    return null;
  }
}

/** The server's wal_compression and the values it accepts (pg_settings: readable by any role). */
export async function walCompressionFacts(db: Queryable): Promise<WalCompressionFacts> {
  const { rows } = await db.query(`SELECT setting, coalesce(enumvals, '{}') AS methods FROM pg_settings WHERE name = 'wal_compression'`);
  const row = rows[0]!;
  return { current: String(row.setting), methods: row.methods as string[] };
}
