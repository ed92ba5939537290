-- hasFirstPass
-- $1 = 7
SELECT EXISTS (SELECT 1 FROM "aibridge_migrate"."backfill_ranges" WHERE run_id = $1 AND pass = 0) AS first;
