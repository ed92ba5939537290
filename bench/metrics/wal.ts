/**
 * WAL volume by LSN difference. The WAL is server-wide: a difference measures everything the
 * server wrote in between, so only one thing may run at a time while it is measured (the
 * runner never measures WAL with the writer-under-load running).
 *
 * The insert position, not pg_current_wal_lsn(): that is the write position, which lags what
 * was inserted until the WAL writer catches up (with synchronous_commit off, as on the test
 * server, a small contender's WAL could still be in the buffers and measure 0 bytes).
 */
import type pg from 'pg';

export async function currentWalLsn(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
  return rows[0]!.lsn;
}

export async function walBytesSince(client: pg.ClientBase, startLsn: string): Promise<number> {
  const { rows } = await client.query<{ bytes: string }>(
    'SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::bigint AS bytes',
    [startLsn],
  );
  return Number(rows[0]!.bytes);
}
