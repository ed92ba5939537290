-- claimRange (1 of 5)
BEGIN;

-- claimRange (2 of 5)
-- $1 = 7
-- $2 = 64
SELECT run_id, range_no, pass, lo::text AS lo, hi::text AS hi, checkpoint::text AS checkpoint,
  first_page, end_page, next_page, counted_to_page, status, rows_scanned, rows_updated, claimed_by, claimed_at FROM "aibridge_migrate"."backfill_ranges"
        WHERE run_id = $1 AND status = 'pending'
        ORDER BY pass, range_no
        LIMIT $2
          FOR UPDATE SKIP LOCKED;

-- claimRange (3 of 5)
-- $1 = "aibridge-migrate backfill range \"aibridge_migrate\".\"backfill_ranges\" \"app\".\"aibridge_token_usages\" 7 3"
SELECT pg_try_advisory_lock(hashtextextended($1::text, 0)) AS ok;

-- claimRange (4 of 5)
-- $1 = "host-a:4242/lane 1"
-- $2 = 7
-- $3 = 3
UPDATE "aibridge_migrate"."backfill_ranges" SET claimed_by = $1, claimed_at = now()
          WHERE run_id = $2 AND range_no = $3 RETURNING claimed_at;

-- claimRange (5 of 5)
COMMIT;
