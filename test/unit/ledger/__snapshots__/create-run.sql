-- createRun: with its first pass (1 of 2)
-- $1 = "forward"
-- $2 = "c7bf14c4ae4ad851"
-- $3 = "app"
-- $4 = "aibridge_token_usages"
-- $5 = "{\"workers\":2}"
-- $6 = "host-a"
-- $7 = 4242
-- $8 = 1000000
-- $9 = "page"
-- $10 = "first pass"
-- $11 = 5000
INSERT INTO "aibridge_migrate"."backfill_runs"
         (direction, status, rule_fingerprint, target_schema, target_table, options, host, pid, max_created_at_at_start, rows_estimated,
          walk, rows_at_start_from, fixed_batch_size)
       VALUES ($1, 'running', $2, $3, $4, $5::jsonb, $6, $7,
               date_trunc('milliseconds', now()), $8, $9, $10, $11)
       RETURNING id, direction, status, rule_fingerprint, walk, rows_at_start_from, fixed_batch_size, options, host, pid, started_at, updated_at, finished_at,
  table_rows_at_start, max_created_at_at_start, rows_estimated, rows_scanned, rows_updated, rows_application_written,
  anomalies, batches, busy_ms, longest_batch_ms, convergence_passes, unconverged_rows, unreversible_rows, last_error;

-- createRun: with its first pass (2 of 2)
-- $1 = 7
-- $2 = 0
-- $3 = [0]
-- $4 = [4096]
INSERT INTO "aibridge_migrate"."backfill_ranges" (run_id, range_no, pass, first_page, end_page, next_page, counted_to_page)
       SELECT $1, base.next + r.ord - 1, $2, r.first, r.last, r.first, r.first
         FROM (SELECT COALESCE(max(range_no) + 1, 0) AS next FROM "aibridge_migrate"."backfill_ranges" WHERE run_id = $1) AS base, unnest($3::bigint[], $4::bigint[]) WITH ORDINALITY AS r(first, last, ord);
