-- releaseRange
-- $1 = "aibridge-migrate backfill range \"aibridge_migrate\".\"backfill_ranges\" \"app\".\"aibridge_token_usages\" 7 3"
SELECT pg_advisory_unlock(hashtextextended($1::text, 0)) AS released, pg_backend_pid() AS pid;
