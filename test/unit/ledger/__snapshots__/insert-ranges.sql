-- insertRanges: page ranges
-- $1 = 7
-- $2 = 0
-- $3 = [0,2048]
-- $4 = [2048,4096]
INSERT INTO "aibridge_migrate"."backfill_ranges" (run_id, range_no, pass, first_page, end_page, next_page, counted_to_page)
       SELECT $1, base.next + r.ord - 1, $2, r.first, r.last, r.first, r.first
         FROM (SELECT COALESCE(max(range_no) + 1, 0) AS next FROM "aibridge_migrate"."backfill_ranges" WHERE run_id = $1) AS base, unnest($3::bigint[], $4::bigint[]) WITH ORDINALITY AS r(first, last, ord);

-- insertRanges: key ranges
-- $1 = 7
-- $2 = 0
-- $3 = [null,"80000000-0000-4000-8000-000000000000"]
-- $4 = ["80000000-0000-4000-8000-000000000000",null]
INSERT INTO "aibridge_migrate"."backfill_ranges" (run_id, range_no, pass, lo, hi)
     SELECT $1, base.next + r.ord - 1, $2, r.lo, r.hi
       FROM (SELECT COALESCE(max(range_no) + 1, 0) AS next FROM "aibridge_migrate"."backfill_ranges" WHERE run_id = $1) AS base, unnest($3::uuid[], $4::uuid[]) WITH ORDINALITY AS r(lo, hi, ord);
