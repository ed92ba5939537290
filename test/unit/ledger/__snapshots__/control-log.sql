-- controlLog
-- $1 = 7
-- $2 = 10
SELECT run_id, at, role, host, pid, host(client_addr) AS client_addr, command, control_state, max_rows_per_second, target_batch_ms
       FROM "aibridge_migrate"."backfill_control_log" WHERE run_id = $1 ORDER BY id DESC LIMIT $2;
