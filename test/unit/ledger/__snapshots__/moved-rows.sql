-- recordMovedRows
-- $1 = 7
-- $2 = 0
-- $3 = ["(3001,4)","(3001,5)"]
INSERT INTO "aibridge_migrate"."backfill_moved_rows" (run_id, pass, row_address)
    SELECT $1, $2, a FROM unnest($3::tid[]) AS a ON CONFLICT DO NOTHING;

-- forgetMovedRows
-- $1 = 7
DELETE FROM "aibridge_migrate"."backfill_moved_rows" WHERE run_id = $1;
