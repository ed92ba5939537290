-- passEnd
-- $1 = 7
-- $2 = 1
SELECT COALESCE(max(end_page), 0) AS end FROM "aibridge_migrate"."backfill_ranges" WHERE run_id = $1 AND pass = $2;
