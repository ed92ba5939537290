-- recordRunWait: a wait
-- $1 = 7
-- $2 = "replication_lag"
-- $3 = "standby s1 is 12 s behind"
-- $4 = "s1"
-- $5 = 12000
-- $6 = 4096
WITH target AS (SELECT id FROM "aibridge_migrate"."backfill_runs" WHERE id = $1 FOR UPDATE SKIP LOCKED),
                recorded AS (
                  UPDATE "aibridge_migrate"."backfill_runs" AS r
                     SET waiting_since = CASE WHEN r.waiting_cause IS NOT DISTINCT FROM $2 THEN COALESCE(r.waiting_since, now()) ELSE now() END,
                         waiting_cause = $2, waiting_detail = $3, waiting_standby = $4,
                         waiting_replay_lag_ms = $5,
                         waiting_lag_bytes = $6, waiting_measured_at = now()
                    FROM target WHERE r.id = target.id)
           SELECT count(*)::int AS locked FROM target;

-- recordRunWait: cleared
-- $1 = 7
WITH target AS (SELECT id FROM "aibridge_migrate"."backfill_runs" WHERE id = $1 FOR UPDATE SKIP LOCKED),
                cleared AS (
                  UPDATE "aibridge_migrate"."backfill_runs" AS r
                     SET waiting_cause = NULL, waiting_detail = NULL, waiting_since = NULL, waiting_standby = NULL,
                         waiting_replay_lag_ms = NULL, waiting_lag_bytes = NULL, waiting_measured_at = NULL
                    FROM target WHERE r.id = target.id AND r.waiting_cause IS NOT NULL)
           SELECT count(*)::int AS locked FROM target;
