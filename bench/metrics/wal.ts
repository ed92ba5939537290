/**
 * WAL volume by LSN difference. The WAL is server-wide: a difference measures everything the
 * server wrote in between, so only one thing may run at a time while it is measured (the
 * runner never measures WAL with the writer-under-load running).
 */
import type pg from 'pg';

export async function currentWalLsn(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return rows[0]!.lsn;
}

export async function walBytesSince(client: pg.ClientBase, startLsn: string): Promise<number> {
  const { rows } = await client.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS bytes', [startLsn]);
  return Number(rows[0]!.bytes);
}
