-- runRanges
-- $1 = 7
SELECT run_id, range_no, pass, lo::text AS lo, hi::text AS hi, checkpoint::text AS checkpoint,
  first_page, end_page, next_page, counted_to_page, status, rows_scanned, rows_updated, claimed_by, claimed_at FROM "aibridge_migrate"."backfill_ranges" WHERE run_id = $1 ORDER BY pass, range_no;
