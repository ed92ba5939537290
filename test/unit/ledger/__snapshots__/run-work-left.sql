-- runWorkLeft
-- $1 = 7
SELECT r.status, (SELECT count(*) FROM "aibridge_migrate"."backfill_ranges" AS g WHERE g.run_id = r.id AND g.status = 'pending')::int AS pending
       FROM "aibridge_migrate"."backfill_runs" AS r WHERE r.id = $1;
