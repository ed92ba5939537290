-- changeControl: throttle (1 of 5)
BEGIN;

-- changeControl: throttle (2 of 5)
-- $1 = 7
SELECT control_state, max_rows_per_second, target_batch_ms FROM "aibridge_migrate"."backfill_runs" WHERE id = $1 FOR NO KEY UPDATE;

-- changeControl: throttle (3 of 5)
-- $1 = "running"
-- $2 = 2000
-- $3 = null
-- $4 = 7
UPDATE "aibridge_migrate"."backfill_runs"
        SET control_state = $1, max_rows_per_second = $2, target_batch_ms = $3,
            control_changed_at = now()
      WHERE id = $4;

-- changeControl: throttle (4 of 5)
-- $1 = 7
-- $2 = "host-a"
-- $3 = 4242
-- $4 = "throttle"
-- $5 = "running"
-- $6 = 2000
-- $7 = null
INSERT INTO "aibridge_migrate"."backfill_control_log" (run_id, host, pid, command, control_state, max_rows_per_second, target_batch_ms)
      VALUES ($1, $2, $3, $4, $5, $6, $7);

-- changeControl: throttle (5 of 5)
COMMIT;
