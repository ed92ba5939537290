-- ledgerExists
-- $1 = "\"aibridge_migrate\".\"backfill_runs\""
-- $2 = "\"aibridge_migrate\".\"backfill_ranges\""
-- $3 = "\"aibridge_migrate\".\"backfill_moved_rows\""
-- $4 = "\"aibridge_migrate\".\"backfill_control_log\""
-- $5 = "\"aibridge_migrate\".\"backfill_runs\""
-- $6 = "fixed_batch_size"
SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AND to_regclass($3) IS NOT NULL
            AND to_regclass($4) IS NOT NULL
            AND EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass($5) AND attname = $6 AND NOT attisdropped) AS ok;
