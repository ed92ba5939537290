-- recordBatch: key walk, first pass (1 of 2)
-- $1 = 7
-- $2 = 3
-- $3 = false
-- $4 = 1000
-- $5 = 640
-- $6 = 12
-- $7 = "{\"fractional\":2}"
-- $8 = 42
-- $9 = "40000000-0000-4000-8000-000000000000"
UPDATE "aibridge_migrate"."backfill_ranges"
        SET checkpoint = COALESCE($9::uuid, checkpoint), status = CASE WHEN $3 THEN 'done' ELSE 'pending' END,
            rows_scanned = rows_scanned + $4, rows_updated = rows_updated + $5,
            rows_application_written = rows_application_written + $6, anomalies = (SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($7::jsonb)) AS both_sides
            GROUP BY key) AS e),
            batches = batches + 1, busy_ms = busy_ms + $8, longest_batch_ms = greatest(longest_batch_ms, $8),
            finished_at = CASE WHEN $3 THEN now() END, updated_at = now()
      WHERE run_id = $1 AND range_no = $2;

-- recordBatch: key walk, first pass (2 of 2)
-- $1 = 7
-- $2 = 1000
-- $3 = 640
-- $4 = 12
-- $5 = "{\"fractional\":2}"
-- $6 = 42
-- $7 = 990
UPDATE "aibridge_migrate"."backfill_runs"
        SET rows_scanned = rows_scanned + $2, rows_updated = rows_updated + $3,
            rows_application_written = rows_application_written + $4, anomalies = (SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($5::jsonb)) AS both_sides
            GROUP BY key) AS e),
            batches = batches + 1, busy_ms = busy_ms + $6, longest_batch_ms = greatest(longest_batch_ms, $6), updated_at = now(),
            table_rows_at_start = CASE WHEN $7::bigint IS NULL THEN table_rows_at_start ELSE COALESCE(table_rows_at_start, 0) + $7 END
      WHERE id = $1
      RETURNING rows_scanned, rows_updated;

-- recordBatch: page walk, a sweep (1 of 2)
-- $1 = 7
-- $2 = 3
-- $3 = true
-- $4 = 1000
-- $5 = 640
-- $6 = 12
-- $7 = "{\"fractional\":2}"
-- $8 = 42
-- $9 = 128
-- $10 = 192
UPDATE "aibridge_migrate"."backfill_ranges"
        SET next_page = $9, counted_to_page = $10, status = CASE WHEN $3 THEN 'done' ELSE 'pending' END,
            rows_scanned = rows_scanned + $4, rows_updated = rows_updated + $5,
            rows_application_written = rows_application_written + $6, anomalies = (SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($7::jsonb)) AS both_sides
            GROUP BY key) AS e),
            batches = batches + 1, busy_ms = busy_ms + $8, longest_batch_ms = greatest(longest_batch_ms, $8),
            finished_at = CASE WHEN $3 THEN now() END, updated_at = now()
      WHERE run_id = $1 AND range_no = $2;

-- recordBatch: page walk, a sweep (2 of 2)
-- $1 = 7
-- $2 = 0
-- $3 = 640
-- $4 = 0
-- $5 = "{}"
-- $6 = 42
-- $7 = null
UPDATE "aibridge_migrate"."backfill_runs"
        SET rows_scanned = rows_scanned + $2, rows_updated = rows_updated + $3,
            rows_application_written = rows_application_written + $4, anomalies = (SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($5::jsonb)) AS both_sides
            GROUP BY key) AS e),
            batches = batches + 1, busy_ms = busy_ms + $6, longest_batch_ms = greatest(longest_batch_ms, $6), updated_at = now(),
            table_rows_at_start = CASE WHEN $7::bigint IS NULL THEN table_rows_at_start ELSE COALESCE(table_rows_at_start, 0) + $7 END
      WHERE id = $1
      RETURNING rows_scanned, rows_updated;
