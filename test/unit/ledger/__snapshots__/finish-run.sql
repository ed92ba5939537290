-- finishRun: completed
-- $1 = "completed"
-- $2 = 0
-- $3 = null
-- $4 = null
-- $5 = 7
UPDATE "aibridge_migrate"."backfill_runs"
        SET status = $1, finished_at = CASE WHEN $1 = 'completed' THEN now() END, updated_at = now(),
            unconverged_rows = COALESCE($2, unconverged_rows), last_error = $3,
            unreversible_rows = COALESCE($4, unreversible_rows)
      WHERE id = $5;

-- finishRun: failed
-- $1 = "failed"
-- $2 = null
-- $3 = "connection lost"
-- $4 = null
-- $5 = 7
UPDATE "aibridge_migrate"."backfill_runs"
        SET status = $1, finished_at = CASE WHEN $1 = 'completed' THEN now() END, updated_at = now(),
            unconverged_rows = COALESCE($2, unconverged_rows), last_error = $3,
            unreversible_rows = COALESCE($4, unreversible_rows)
      WHERE id = $5;
