-- ledgerRecordsWaits
-- $1 = "\"aibridge_migrate\".\"backfill_runs\""
SELECT EXISTS (SELECT 1 FROM pg_attribute
                     WHERE attrelid = to_regclass($1) AND attname = 'waiting_cause' AND NOT attisdropped) AS ok;
