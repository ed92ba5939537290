-- roundStatement: two rows of window [64, 72), pass ends at page 4096
-- $1 = ["40000000-0000-4000-8000-000000000000","7fffffff-ffff-4fff-bfff-ffffffffffff"]
-- $2 = ["1001","1002"]
-- $3 = ["120","0"]
-- $4 = ["0","40"]
-- $5 = 64
-- $6 = 72
-- $7 = 4096
WITH v AS (
  SELECT * FROM unnest($1::uuid[], $2::xid[], $3::bigint[], $4::bigint[]) AS v(id, row_version, cache_read, cache_write)
), u AS (
  UPDATE "app"."aibridge_token_usages" AS t SET "cache_read_input_tokens" = v.cache_read, "cache_write_input_tokens" = v.cache_write
    FROM v
   WHERE t.id = v.id AND t.xmin = v.row_version AND t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0
  RETURNING t.ctid AS address
)
SELECT count(*)::bigint AS updated,
       COALESCE(array_agg(u.address::text) FILTER (WHERE (((u.address::text)::point)[0] < $5::float8 OR ((u.address::text)::point)[0] >= $6::float8) AND ((u.address::text)::point)[0] < $7::float8), '{}') AS moved
  FROM u;
