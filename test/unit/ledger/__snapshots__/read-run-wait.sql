-- readRunWait (1 of 2)
-- $1 = "\"aibridge_migrate\".\"backfill_runs\""
SELECT EXISTS (SELECT 1 FROM pg_attribute
                     WHERE attrelid = to_regclass($1) AND attname = 'waiting_cause' AND NOT attisdropped) AS ok;

-- readRunWait (2 of 2)
-- $1 = 7
SELECT waiting_cause, waiting_detail, waiting_since, waiting_standby, waiting_replay_lag_ms, waiting_lag_bytes, waiting_measured_at
       FROM "aibridge_migrate"."backfill_runs" WHERE id = $1 AND waiting_cause IS NOT NULL;
