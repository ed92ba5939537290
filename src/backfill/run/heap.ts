/** The table's heap as the walk in physical order sees it. */
import type { Queryable } from '../../db/port.js';

/** Pages of `usages`'s heap now (its main fork; the block size read from the server). */
export async function heapPages(db: Queryable, usages: string): Promise<number> {
  const { rows } = await db.query(`SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint AS pages`, [usages]);
  return Number(rows[0]!.pages);
}

export async function serverVersionNum(db: Queryable): Promise<number> {
  const { rows } = await db.query(`SELECT current_setting('server_version_num')::int AS version`);
  return Number(rows[0]!.version);
}
