/**
 * A batch's checkpoint: its range's position and counts, and its run's totals, written in the
 * batch's own transaction, so the ledger never claims work the table does not hold, nor misses
 * work it does.
 */
import type { Queryable } from '../db/port.js';
import { param, quoted, sql, type Sql } from '../db/sql.js';
import type { Tables } from '../names.js';

/**
 * Where a range stands after a batch. A key range: the last key the batch covered (the next
 * batch starts after it). A page range: pages before `next` are done; pages [next, countedTo)
 * are counted and being written.
 */
export type RangePosition = { walk: 'key'; checkpoint: string | null } | { walk: 'page'; next: number; countedTo: number };

/** What one batch did, as its range and its run record it. */
export interface BatchRecord {
  runId: number;
  rangeNo: number;
  pass: number;
  position: RangePosition;
  rangeDone: boolean;
  scanned: number;
  updated: number;
  applicationWritten: number;
  anomalies: Record<string, number>;
  ms: number;
  /**
   * Rows of the batch created before the run began, when this batch counts them towards the
   * run's table_rows_at_start (its first pass measures the table); null otherwise.
   */
  existedAtStart: number | null;
}

/** The run's totals once a batch is recorded: what every process of the run has done so far. */
export interface RunTotals {
  /** First pass. */
  rowsScanned: number;
  /** Every pass. */
  rowsUpdated: number;
}

/** Adds the counts in `counts` (a {class: count} object as JSON, bound as a parameter) to the object in `column`. */
export function mergeCountsSql(column: Sql, counts: string): Sql {
  return sql`(SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(${column}) UNION ALL SELECT * FROM jsonb_each_text(${counts}::jsonb)) AS both_sides
            GROUP BY key) AS e)`;
}

/**
 * The run's scanned / application-written / anomaly totals describe the first pass only (a
 * sweep re-reads rows already counted); rows_updated counts every pass, since each row is
 * written at most once.
 *
 * One statement: the range's update as a data-modifying WITH, the run's as the main query. The
 * order in which PostgreSQL runs the two is otherwise unspecified; the run's update waits for
 * the range's through a one-time filter on it (an uncorrelated subquery, evaluated before the
 * run's row is read), so the range's row is locked before the run's, as in every step of every
 * lane: the run's row is the one all lanes share, and a lane that held it while queueing for a
 * range's row could deadlock with one that holds that range.
 */
export async function recordBatch(db: Queryable, t: Pick<Tables, 'runs' | 'ranges'>, batch: BatchRecord): Promise<RunTotals> {
  return (await recordBatchWith(db, t, batch, sql`NULL`)).totals;
}

/**
 * recordBatch, and in the same statement the value of `also`, a count of the caller's (a round
 * counts the sessions waiting on its row locks with it), evaluated once the range's row is locked
 * and before the run's is; 0 when it is NULL.
 */
export async function recordBatchWith(
  db: Queryable,
  t: Pick<Tables, 'runs' | 'ranges'>,
  batch: BatchRecord,
  also: Sql,
): Promise<{ totals: RunTotals; also: number }> {
  const ms = Math.round(batch.ms);
  const record = sql`WITH range_row AS (${rangeUpdate(t, batch, ms)} RETURNING ${also} AS also)
    ${runUpdate(t, batch, ms)}
      RETURNING rows_scanned, rows_updated, (SELECT also FROM range_row) AS also`;
  const { rows } = await db.query(record.text, record.values);
  const row = rows[0];
  return {
    totals: { rowsScanned: Number(row?.rows_scanned ?? 0), rowsUpdated: Number(row?.rows_updated ?? 0) },
    also: Number(row?.also ?? 0),
  };
}

/** The run's side of a batch: its totals (the first pass's counts only, rows written on every pass), after its range's (range_row). */
function runUpdate(t: Pick<Tables, 'runs'>, batch: BatchRecord, ms: number): Sql {
  const first = batch.pass === 0;
  const busy = param(ms);
  const existed = param(first ? batch.existedAtStart : null);
  const anomalies = first ? JSON.stringify(batch.anomalies) : '{}';
  return sql`UPDATE ${quoted(t.runs)}
        SET rows_scanned = rows_scanned + ${first ? batch.scanned : 0}, rows_updated = rows_updated + ${batch.updated},
            rows_application_written = rows_application_written + ${first ? batch.applicationWritten : 0},
            anomalies = ${mergeCountsSql(sql`anomalies`, anomalies)},
            batches = batches + 1, busy_ms = busy_ms + ${busy}, longest_batch_ms = greatest(longest_batch_ms, ${busy}), updated_at = now(),
            table_rows_at_start = CASE WHEN ${existed}::bigint IS NULL THEN table_rows_at_start ELSE COALESCE(table_rows_at_start, 0) + ${existed} END
      WHERE id = ${batch.runId} AND (SELECT count(*) FROM range_row) >= 0`;
}

/** The range's side of a batch: its position, its counts, done or not. */
function rangeUpdate(t: Pick<Tables, 'ranges'>, batch: BatchRecord, ms: number): Sql {
  const { position } = batch;
  const moved =
    position.walk === 'key'
      ? sql`checkpoint = COALESCE(${position.checkpoint}::uuid, checkpoint)`
      : sql`next_page = ${position.next}, counted_to_page = ${position.countedTo}`;
  const done = param(batch.rangeDone);
  const busy = param(ms);
  return sql`UPDATE ${quoted(t.ranges)}
        SET ${moved}, status = CASE WHEN ${done} THEN 'done' ELSE 'pending' END,
            rows_scanned = rows_scanned + ${batch.scanned}, rows_updated = rows_updated + ${batch.updated},
            rows_application_written = rows_application_written + ${batch.applicationWritten},
            anomalies = ${mergeCountsSql(sql`anomalies`, JSON.stringify(batch.anomalies))},
            batches = batches + 1, busy_ms = busy_ms + ${busy}, longest_batch_ms = greatest(longest_batch_ms, ${busy}),
            finished_at = CASE WHEN ${done} THEN now() END, updated_at = now()
      WHERE run_id = ${batch.runId} AND range_no = ${batch.rangeNo}`;
}
