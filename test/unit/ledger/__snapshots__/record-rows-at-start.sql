-- recordRowsAtStart
-- $1 = 7
-- $2 = 999000
UPDATE "aibridge_migrate"."backfill_runs" SET table_rows_at_start = $2, updated_at = now() WHERE id = $1;
