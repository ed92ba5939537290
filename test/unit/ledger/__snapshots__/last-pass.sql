-- lastPass
-- $1 = 7
SELECT pass, sum(rows_scanned)::bigint AS scanned, sum(rows_updated)::bigint AS updated
       FROM "aibridge_migrate"."backfill_ranges" WHERE run_id = $1 GROUP BY pass ORDER BY pass DESC LIMIT 1;
