-- clearCancel
-- $1 = 7
-- $2 = "host-a"
-- $3 = 4242
WITH cleared AS (
       UPDATE "aibridge_migrate"."backfill_runs" SET control_state = 'running', control_changed_at = now()
        WHERE id = $1 AND control_state = 'cancel_requested'
       RETURNING id, control_state, max_rows_per_second, target_batch_ms
     )
     INSERT INTO "aibridge_migrate"."backfill_control_log" (run_id, host, pid, command, control_state, max_rows_per_second, target_batch_ms)
     SELECT id, $2, $3, 'cancel_cleared', control_state, max_rows_per_second, target_batch_ms FROM cleared
     RETURNING run_id;
