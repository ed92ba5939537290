-- recordBatch: key walk, first pass (1 of 2)
-- $1 = "40000000-0000-4000-8000-000000000000"
-- $2 = false
-- $3 = 1000
-- $4 = 640
-- $5 = 12
-- $6 = "{\"fractional\":2}"
-- $7 = 42
-- $8 = 7
-- $9 = 3
UPDATE "aibridge_migrate"."backfill_ranges"
        SET checkpoint = COALESCE($1::uuid, checkpoint), status = CASE WHEN $2 THEN 'done' ELSE 'pending' END,
            rows_scanned = rows_scanned + $3, rows_updated = rows_updated + $4,
            rows_application_written = rows_application_written + $5,
            anomalies = (SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($6::jsonb)) AS both_sides
            GROUP BY key) AS e),
            batches = batches + 1, busy_ms = busy_ms + $7, longest_batch_ms = greatest(longest_batch_ms, $7),
            finished_at = CASE WHEN $2 THEN now() END, updated_at = now()
      WHERE run_id = $8 AND range_no = $9;

-- recordBatch: key walk, first pass (2 of 2)
-- $1 = 1000
-- $2 = 640
-- $3 = 12
-- $4 = "{\"fractional\":2}"
-- $5 = 42
-- $6 = 990
-- $7 = 7
UPDATE "aibridge_migrate"."backfill_runs"
        SET rows_scanned = rows_scanned + $1, rows_updated = rows_updated + $2,
            rows_application_written = rows_application_written + $3,
            anomalies = (SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($4::jsonb)) AS both_sides
            GROUP BY key) AS e),
            batches = batches + 1, busy_ms = busy_ms + $5, longest_batch_ms = greatest(longest_batch_ms, $5), updated_at = now(),
            table_rows_at_start = CASE WHEN $6::bigint IS NULL THEN table_rows_at_start ELSE COALESCE(table_rows_at_start, 0) + $6 END
      WHERE id = $7
      RETURNING rows_scanned, rows_updated;

-- recordBatch: page walk, a sweep (1 of 2)
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
UPDATE "aibridge_migrate"."backfill_ranges"
        SET next_page = $1, counted_to_page = $2, status = CASE WHEN $3 THEN 'done' ELSE 'pending' END,
            rows_scanned = rows_scanned + $4, rows_updated = rows_updated + $5,
            rows_application_written = rows_application_written + $6,
            anomalies = (SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($7::jsonb)) AS both_sides
            GROUP BY key) AS e),
            batches = batches + 1, busy_ms = busy_ms + $8, longest_batch_ms = greatest(longest_batch_ms, $8),
            finished_at = CASE WHEN $3 THEN now() END, updated_at = now()
      WHERE run_id = $9 AND range_no = $10;

-- recordBatch: page walk, a sweep (2 of 2)
-- $1 = 0
-- $2 = 640
-- $3 = 0
-- $4 = "{}"
-- $5 = 42
-- $6 = null
-- $7 = 7
UPDATE "aibridge_migrate"."backfill_runs"
        SET rows_scanned = rows_scanned + $1, rows_updated = rows_updated + $2,
            rows_application_written = rows_application_written + $3,
            anomalies = (SELECT COALESCE(jsonb_object_agg(e.key, e.total), '{}'::jsonb)
     FROM (SELECT key, sum(value::bigint) AS total
             FROM (SELECT * FROM jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($4::jsonb)) AS both_sides
            GROUP BY key) AS e),
            batches = batches + 1, busy_ms = busy_ms + $5, longest_batch_ms = greatest(longest_batch_ms, $5), updated_at = now(),
            table_rows_at_start = CASE WHEN $6::bigint IS NULL THEN table_rows_at_start ELSE COALESCE(table_rows_at_start, 0) + $6 END
      WHERE id = $7
      RETURNING rows_scanned, rows_updated;
