/**
 * A batch's checkpoint: its range's position and counts, and its run's totals, written in the
 * batch's own transaction, so the ledger never claims work the table does not hold, nor misses
 * work it does.
 */
import type { Queryable } from '../db/port.js';
import type { Tables } from '../names.js';

/** What one batch did, as its range and its run record it. */
export interface BatchRecord {
  runId: number;
  rangeNo: number;
  pass: number;
  /** Last key the batch covered; the next batch starts after it. */
  checkpoint: string | null;
  rangeDone: boolean;
  scanned: number;
  updated: number;
  applicationWritten: number;
  anomalies: Record<string, number>;
  ms: number;
  /**
   * Rows of the batch created before the run began, when this batch counts them towards the
   * run's table_rows_at_start (its keyed pass measures the table); null otherwise.
   */
  existedAtStart: number | null;
}

/** The run's totals once a batch is recorded: what every process of the run has done so far. */
export interface RunTotals {
  /** Keyed pass. */
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
 * The run's scanned / application-written / anomaly totals describe the keyed pass only (a
 * sweep re-reads rows already counted); rows_updated counts every pass, since each row is
 * written at most once.
 */
export async function recordBatch(db: Queryable, t: Pick<Tables, 'runs' | 'ranges'>, batch: BatchRecord): Promise<RunTotals> {
  const anomalies = JSON.stringify(batch.anomalies);
  await db.query(
    `UPDATE ${t.ranges}
        SET checkpoint = COALESCE($3::uuid, checkpoint), status = CASE WHEN $4 THEN 'done' ELSE 'pending' END,
            rows_scanned = rows_scanned + $5, rows_updated = rows_updated + $6,
            rows_application_written = rows_application_written + $7, anomalies = ${mergeCountsSql('anomalies', '$8')},
            batches = batches + 1, busy_ms = busy_ms + $9, longest_batch_ms = greatest(longest_batch_ms, $9),
            finished_at = CASE WHEN $4 THEN now() END, updated_at = now()
      WHERE run_id = $1 AND range_no = $2`,
    [
      batch.runId,
      batch.rangeNo,
      batch.checkpoint,
      batch.rangeDone,
      batch.scanned,
      batch.updated,
      batch.applicationWritten,
      anomalies,
      Math.round(batch.ms),
    ],
  );
  const keyed = batch.pass === 0;
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
      keyed ? batch.scanned : 0,
      batch.updated,
      keyed ? batch.applicationWritten : 0,
      keyed ? anomalies : '{}',
      Math.round(batch.ms),
      keyed ? batch.existedAtStart : null,
    ],
  );
  return { rowsScanned: Number(rows[0]?.rows_scanned ?? 0), rowsUpdated: Number(rows[0]?.rows_updated ?? 0) };
}
