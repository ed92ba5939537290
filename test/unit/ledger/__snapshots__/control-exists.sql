-- controlExists
-- $1 = "\"aibridge_migrate\".\"backfill_control_log\""
SELECT to_regclass($1) IS NOT NULL AS ok;
