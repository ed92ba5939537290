-- abandonRun
-- $1 = "the rule changed"
-- $2 = 7
UPDATE "aibridge_migrate"."backfill_runs" SET status = 'abandoned', finished_at = now(), updated_at = now(), last_error = $1
      WHERE id = $2;
