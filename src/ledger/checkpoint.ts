/**
 * A batch's checkpoint: its range's position and counts, and its run's totals, written in the
 * batch's own transaction, so the ledger never claims work the table does not hold, nor misses
 * work it does.
 */
import type { Queryable } from '../db/port.js';
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

/** Adds the counts in jsonb `param` to the {class: count} object in `column`. */
export function mergeCountsSql(column: string, param: string): string {
  return `(SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(${column}) UNION ALL SELECT * FROM jsonb_each_text(${param}::jsonb)) AS both_sides
            GROUP BY key) AS e)`;
}

/**
 * The run's scanned / application-written / anomaly totals describe the first pass only (a
 * sweep re-reads rows already counted); rows_updated counts every pass, since each row is
 * written at most once.
 */
export async function recordBatch(db: Queryable, t: Pick<Tables, 'runs' | 'ranges'>, batch: BatchRecord): Promise<RunTotals> {
  const anomalies = JSON.stringify(batch.anomalies);
  const { position } = batch;
  const moved =
    position.walk === 'key'
      ? { sql: 'checkpoint = COALESCE($9::uuid, checkpoint)', values: [position.checkpoint] }
      : { sql: 'next_page = $9, counted_to_page = $10', values: [position.next, position.countedTo] };
  await db.query(
    `UPDATE ${t.ranges}
        SET ${moved.sql}, status = CASE WHEN $3 THEN 'done' ELSE 'pending' END,
            rows_scanned = rows_scanned + $4, rows_updated = rows_updated + $5,
            rows_application_written = rows_application_written + $6, anomalies = ${mergeCountsSql('anomalies', '$7')},
            batches = batches + 1, busy_ms = busy_ms + $8, longest_batch_ms = greatest(longest_batch_ms, $8),
            finished_at = CASE WHEN $3 THEN now() END, updated_at = now()
      WHERE run_id = $1 AND range_no = $2`,
    [
      batch.runId,
      batch.rangeNo,
      batch.rangeDone,
      batch.scanned,
      batch.updated,
      batch.applicationWritten,
      anomalies,
      Math.round(batch.ms),
      ...moved.values,
    ],
  );
  const first = batch.pass === 0;
  const { rows } = await db.query(
    `UPDATE ${t.runs}
        SET rows_scanned = rows_scanned + $2, rows_updated = rows_updated + $3,
            rows_application_written = rows_application_written + $4, anomalies = ${mergeCountsSql('anomalies', '$5')},
            batches = batches + 1, busy_ms = busy_ms + $6, longest_batch_ms = greatest(longest_batch_ms, $6), updated_at = now(),
            table_rows_at_start = CASE WHEN $7::bigint IS NULL THEN table_rows_at_start ELSE COALESCE(table_rows_at_start, 0) + $7 END
      WHERE id = $1
      RETURNING rows_scanned, rows_updated`,
    [
      batch.runId,
      first ? batch.scanned : 0,
      batch.updated,
      first ? batch.applicationWritten : 0,
      first ? anomalies : '{}',
      Math.round(batch.ms),
      first ? batch.existedAtStart : null,
    ],
  );
  return { rowsScanned: Number(rows[0]?.rows_scanned ?? 0), rowsUpdated: Number(rows[0]?.rows_updated ?? 0) };
}
