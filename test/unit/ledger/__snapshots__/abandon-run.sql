-- abandonRun
-- $1 = 7
-- $2 = "the rule changed"
UPDATE "aibridge_migrate"."backfill_runs" SET status = 'abandoned', finished_at = now(), updated_at = now(), last_error = $2 WHERE id = $1;
