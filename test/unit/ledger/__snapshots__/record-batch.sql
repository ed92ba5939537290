-- recordBatch: key walk, first pass
-- $1 = "40000000-0000-4000-8000-000000000000"
-- $2 = false
-- $3 = 1000
-- $4 = 640
-- $5 = 12
-- $6 = "{\"fractional\":2}"
-- $7 = 42
-- $8 = 7
-- $9 = 3
-- $10 = 1000
-- $11 = 640
-- $12 = 12
-- $13 = "{\"fractional\":2}"
-- $14 = 42
-- $15 = 990
-- $16 = 7
WITH range_row AS (UPDATE "aibridge_migrate"."backfill_ranges"
        SET checkpoint = COALESCE($1::uuid, checkpoint), status = CASE WHEN $2 THEN 'done' ELSE 'pending' END,
            rows_scanned = rows_scanned + $3, rows_updated = rows_updated + $4,
            rows_application_written = rows_application_written + $5,
            anomalies = (SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($6::jsonb)) AS both_sides
            GROUP BY key) AS e),
            batches = batches + 1, busy_ms = busy_ms + $7, longest_batch_ms = greatest(longest_batch_ms, $7),
            finished_at = CASE WHEN $2 THEN now() END, updated_at = now()
      WHERE run_id = $8 AND range_no = $9 RETURNING NULL AS also)
    UPDATE "aibridge_migrate"."backfill_runs"
        SET rows_scanned = rows_scanned + $10, rows_updated = rows_updated + $11,
            rows_application_written = rows_application_written + $12,
            anomalies = (SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($13::jsonb)) AS both_sides
            GROUP BY key) AS e),
            batches = batches + 1, busy_ms = busy_ms + $14, longest_batch_ms = greatest(longest_batch_ms, $14), updated_at = now(),
            table_rows_at_start = CASE WHEN $15::bigint IS NULL THEN table_rows_at_start ELSE COALESCE(table_rows_at_start, 0) + $15 END
      WHERE id = $16 AND (SELECT count(*) FROM range_row) >= 0
      RETURNING rows_scanned, rows_updated, (SELECT also FROM range_row) AS also;

-- recordBatch: page walk, a sweep
-- $1 = 128
-- $2 = 192
-- $3 = true
-- $4 = 1000
-- $5 = 640
-- $6 = 12
-- $7 = "{\"fractional\":2}"
-- $8 = 42
-- $9 = 7
-- $10 = 3
-- $11 = 0
-- $12 = 640
-- $13 = 0
-- $14 = "{}"
-- $15 = 42
-- $16 = null
-- $17 = 7
WITH range_row AS (UPDATE "aibridge_migrate"."backfill_ranges"
        SET next_page = $1, counted_to_page = $2, status = CASE WHEN $3 THEN 'done' ELSE 'pending' END,
            rows_scanned = rows_scanned + $4, rows_updated = rows_updated + $5,
            rows_application_written = rows_application_written + $6,
            anomalies = (SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($7::jsonb)) AS both_sides
            GROUP BY key) AS e),
            batches = batches + 1, busy_ms = busy_ms + $8, longest_batch_ms = greatest(longest_batch_ms, $8),
            finished_at = CASE WHEN $3 THEN now() END, updated_at = now()
      WHERE run_id = $9 AND range_no = $10 RETURNING NULL AS also)
    UPDATE "aibridge_migrate"."backfill_runs"
        SET rows_scanned = rows_scanned + $11, rows_updated = rows_updated + $12,
            rows_application_written = rows_application_written + $13,
            anomalies = (SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($14::jsonb)) AS both_sides
            GROUP BY key) AS e),
            batches = batches + 1, busy_ms = busy_ms + $15, longest_batch_ms = greatest(longest_batch_ms, $15), updated_at = now(),
            table_rows_at_start = CASE WHEN $16::bigint IS NULL THEN table_rows_at_start ELSE COALESCE(table_rows_at_start, 0) + $16 END
      WHERE id = $17 AND (SELECT count(*) FROM range_row) >= 0
      RETURNING rows_scanned, rows_updated, (SELECT also FROM range_row) AS also;
