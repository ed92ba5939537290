-- claimRun
-- $1 = 7
-- $2 = "host-a"
-- $3 = 4242
UPDATE "aibridge_migrate"."backfill_runs" SET status = 'running', host = $2, pid = $3, updated_at = now(), finished_at = NULL, last_error = NULL WHERE id = $1;
