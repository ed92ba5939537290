-- claimRun
-- $1 = "host-a"
-- $2 = 4242
-- $3 = null
-- $4 = 7
UPDATE "aibridge_migrate"."backfill_runs" SET status = 'running', host = $1, pid = $2, fixed_batch_size = $3,
         updated_at = now(), finished_at = NULL, last_error = NULL
      WHERE id = $4;
