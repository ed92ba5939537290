-- readControl
-- $1 = 7
SELECT control_state, max_rows_per_second, target_batch_ms, NULL AS also FROM "aibridge_migrate"."backfill_runs" WHERE id = $1;
