-- latestRunPerDirection
-- $1 = "app"
-- $2 = "aibridge_token_usages"
SELECT DISTINCT ON (direction) id, direction, status, rule_fingerprint, walk, rows_at_start_from, fixed_batch_size, options, host, pid, started_at, updated_at, finished_at,
  table_rows_at_start, max_created_at_at_start, rows_estimated, rows_scanned, rows_updated, rows_application_written,
  anomalies, batches, busy_ms, longest_batch_ms, convergence_passes, unconverged_rows, unreversible_rows, last_error FROM "aibridge_migrate"."backfill_runs"
      WHERE target_schema = $1 AND target_table = $2
      ORDER BY direction, id DESC;
