-- recordRowsAtStart
-- $1 = 999000
-- $2 = 7
UPDATE "aibridge_migrate"."backfill_runs" SET table_rows_at_start = $1, updated_at = now() WHERE id = $2;
