-- roundStatement: two rows of window [64, 72), pass ends at page 4096
-- $1 = "40000000-0000-4000-8000-000000000000 1001 120 0 64,7fffffff-ffff-4fff-bfff-ffffffffffff 1002 0 40 65"
-- $2 = "(64,0)"
-- $3 = "(72,0)"
-- $4 = "(4096,0)"
WITH v AS (
  SELECT split_part(r, ' ', 1)::uuid AS "id", split_part(r, ' ', 2)::xid AS "row_version", split_part(r, ' ', 3)::bigint AS "cache_read", split_part(r, ' ', 4)::bigint AS "cache_write"
    FROM string_to_table(NULLIF($1, ''), ',') AS r
), u AS (
  UPDATE "app"."aibridge_token_usages" AS t SET "cache_read_input_tokens" = v.cache_read, "cache_write_input_tokens" = v.cache_write
    FROM v
   WHERE t.id = v.id AND t.xmin = v.row_version AND t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0
  RETURNING t.ctid AS address
)
SELECT count(*)::bigint AS updated,
       COALESCE(array_agg(u.address::text) FILTER (WHERE (u.address < $2::tid OR u.address >= $3::tid) AND u.address < $4::tid), '{}') AS moved
  FROM u;
