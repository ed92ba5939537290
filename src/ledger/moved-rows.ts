/**
 * backfill_moved_rows: where a page walk's rounds moved rows ahead of the pass. An update that
 * does not fit on its page puts the new row version wherever the table has room — often a page
 * past the pass's end (not walked), but sometimes a page of the pass not counted yet (the free
 * space map knows the heap's last, part-filled page). Its judge would count that row a second
 * time; its statement reads the addresses recorded here and leaves them out
 * (countedSql in backfill/sql/page-walk.ts).
 */
import type { Queryable } from '../db/port.js';
import type { Tables } from '../names.js';

/** Records, in the round's transaction, rows it moved to pages of the pass not counted yet. */
export async function recordMovedRows(
  db: Queryable,
  t: Pick<Tables, 'movedRows'>,
  at: { runId: number; pass: number },
  addresses: readonly string[],
): Promise<void> {
  if (addresses.length === 0) return;
  await db.query(
    `INSERT INTO ${t.movedRows} (run_id, pass, row_address) SELECT $1, $2, a FROM unnest($3::tid[]) AS a ON CONFLICT DO NOTHING`,
    [at.runId, at.pass, addresses],
  );
}

/** A pass is over: its moved rows are counted, or never will be. */
export async function forgetMovedRows(db: Queryable, t: Pick<Tables, 'movedRows'>, runId: number): Promise<void> {
  await db.query(`DELETE FROM ${t.movedRows} WHERE run_id = $1`, [runId]);
}
