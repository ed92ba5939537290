-- finishRun: completed
-- $1 = 7
-- $2 = "completed"
-- $3 = 0
-- $4 = null
-- $5 = null
UPDATE "aibridge_migrate"."backfill_runs"
        SET status = $2, finished_at = CASE WHEN $2 = 'completed' THEN now() END, updated_at = now(),
            unconverged_rows = COALESCE($3, unconverged_rows), last_error = $4,
            unreversible_rows = COALESCE($5, unreversible_rows)
      WHERE id = $1;

-- finishRun: failed
-- $1 = 7
-- $2 = "failed"
-- $3 = null
-- $4 = "connection lost"
-- $5 = null
UPDATE "aibridge_migrate"."backfill_runs"
        SET status = $2, finished_at = CASE WHEN $2 = 'completed' THEN now() END, updated_at = now(),
            unconverged_rows = COALESCE($3, unconverged_rows), last_error = $4,
            unreversible_rows = COALESCE($5, unreversible_rows)
      WHERE id = $1;
