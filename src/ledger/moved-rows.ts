/**
 * backfill_moved_rows: where a page walk's rounds moved rows ahead of the pass. An update that
 * does not fit on its page puts the new row version wherever the table has room — often a page
 * past the pass's end (not walked), but sometimes a page of the pass not counted yet (the free
 * space map knows the heap's last, part-filled page). Its judge would count that row a second
 * time; its statement reads the addresses recorded here and leaves them out
 * (countedSql in backfill/sql/page-walk.ts).
 */
import type { Queryable } from '../db/port.js';
import { quoted, sql } from '../db/sql.js';
import type { Tables } from '../names.js';

/** Records, in the round's transaction, rows it moved to pages of the pass not counted yet. */
export async function recordMovedRows(
  db: Queryable,
  t: Pick<Tables, 'movedRows'>,
  at: { runId: number; pass: number },
  addresses: readonly string[],
): Promise<void> {
  if (addresses.length === 0) return;
  const record = sql`INSERT INTO ${quoted(t.movedRows)} (run_id, pass, row_address)
    SELECT ${at.runId}, ${at.pass}, a FROM unnest(${addresses}::tid[]) AS a ON CONFLICT DO NOTHING`;
  await db.query(record.text, record.values);
}

/** A pass is over: its moved rows are counted, or never will be. */
export async function forgetMovedRows(db: Queryable, t: Pick<Tables, 'movedRows'>, runId: number): Promise<void> {
  const forget = sql`DELETE FROM ${quoted(t.movedRows)} WHERE run_id = ${runId}`;
  await db.query(forget.text, forget.values);
}
