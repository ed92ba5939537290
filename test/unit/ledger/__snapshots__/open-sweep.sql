-- openSweep: pass 2 (1 of 4)
BEGIN;

-- openSweep: pass 2 (2 of 4)
-- $1 = 7
-- $2 = 2
-- $3 = [0]
-- $4 = [4096]
INSERT INTO "aibridge_migrate"."backfill_ranges" (run_id, range_no, pass, first_page, end_page, next_page, counted_to_page)
       SELECT $1, base.next + r.ord - 1, $2, r.first, r.last, r.first, r.first
         FROM (SELECT COALESCE(max(range_no) + 1, 0) AS next FROM "aibridge_migrate"."backfill_ranges" WHERE run_id = $1) AS base, unnest($3::bigint[], $4::bigint[]) WITH ORDINALITY AS r(first, last, ord);

-- openSweep: pass 2 (3 of 4)
-- $1 = 2
-- $2 = 7
UPDATE "aibridge_migrate"."backfill_runs" SET convergence_passes = greatest(convergence_passes, $1), updated_at = now() WHERE id = $2;

-- openSweep: pass 2 (4 of 4)
COMMIT;
