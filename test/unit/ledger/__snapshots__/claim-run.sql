-- claimRun
-- $1 = "host-a"
-- $2 = 4242
-- $3 = 7
UPDATE "aibridge_migrate"."backfill_runs" SET status = 'running', host = $1, pid = $2, updated_at = now(), finished_at = NULL, last_error = NULL
      WHERE id = $3;
