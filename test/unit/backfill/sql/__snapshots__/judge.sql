-- judgeStatement: pages [64, 72) of run 7, pass 0
-- $1 = "2026-11-30T12:00:00.123Z"
-- $2 = 7
-- $3 = 0
-- $4 = "(64,0)"
-- $5 = "(72,0)"
-- $6 = "(64,0)"
-- $7 = "(72,0)"
WITH j AS MATERIALIZED (
  SELECT t.id, t.ctid AS row_address, t.xmin AS row_version, (t."cache_read_input_tokens" <> 0 OR t."cache_write_input_tokens" <> 0) AS app_written,
         t.created_at <= $1::timestamptz AS existed, t.ctid <> ALL (ARRAY(SELECT m.row_address FROM "aibridge_migrate"."backfill_moved_rows" AS m
                             WHERE m.run_id = $2 AND m.pass = $3 AND m.row_address >= $4::tid AND m.row_address < $5::tid)) AS counted,
         CASE WHEN CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ? 'cache_read_input' THEN
    CASE scale(LEAST(GREATEST((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_read_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_read_input')::bigint
    ELSE CASE jsonb_typeof((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_read_input'))
      WHEN 'number' THEN CASE WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_read_input')::numeric < 0 THEN -2 WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_read_input')::numeric <> trunc((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_read_input')::numeric) THEN -3 WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_read_input')::numeric > 9223372036854775807 THEN -4 ELSE (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_read_input')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_read_input') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END AS "j_0",
         CASE WHEN CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ? 'input_cached' THEN
    CASE scale(LEAST(GREATEST((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'input_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'input_cached')::bigint
    ELSE CASE jsonb_typeof((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'input_cached'))
      WHEN 'number' THEN CASE WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'input_cached')::numeric < 0 THEN -2 WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'input_cached')::numeric <> trunc((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'input_cached')::numeric) THEN -3 WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'input_cached')::numeric > 9223372036854775807 THEN -4 ELSE (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'input_cached')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'input_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'input_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'input_cached'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'input_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'input_cached') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END AS "j_1",
         CASE WHEN CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ? 'prompt_cached' THEN
    CASE scale(LEAST(GREATEST((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'prompt_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'prompt_cached')::bigint
    ELSE CASE jsonb_typeof((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'prompt_cached'))
      WHEN 'number' THEN CASE WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'prompt_cached')::numeric < 0 THEN -2 WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'prompt_cached')::numeric <> trunc((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'prompt_cached')::numeric) THEN -3 WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'prompt_cached')::numeric > 9223372036854775807 THEN -4 ELSE (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'prompt_cached')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'prompt_cached') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END AS "j_2",
         CASE WHEN CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ? 'cache_creation_input' THEN
    CASE scale(LEAST(GREATEST((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_creation_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_creation_input')::bigint
    ELSE CASE jsonb_typeof((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_creation_input'))
      WHEN 'number' THEN CASE WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_creation_input')::numeric < 0 THEN -2 WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_creation_input')::numeric <> trunc((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_creation_input')::numeric) THEN -3 WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_creation_input')::numeric > 9223372036854775807 THEN -4 ELSE (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END -> 'cache_creation_input')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace((CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END ->> 'cache_creation_input') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END AS "j_3",
         jsonb_typeof(CASE WHEN t."cache_read_input_tokens" = 0 AND t."cache_write_input_tokens" = 0 THEN t.metadata END) AS "doc_kind"
    FROM "app"."aibridge_token_usages" AS t
   WHERE t.ctid >= $6::tid AND t.ctid < $7::tid
), s AS (
  SELECT s.*, GREATEST(0, s."j_0", s."j_1", s."j_2") AS cache_read, GREATEST(0, s."j_3") AS cache_write FROM j AS s
)
SELECT count(*) FILTER (WHERE s.counted)::bigint AS scanned,
       count(*) FILTER (WHERE s.counted AND s.app_written)::bigint AS app_written,
       count(*) FILTER (WHERE s.counted AND s.existed)::bigint AS existed,
       jsonb_strip_nulls(jsonb_build_object('not_an_object', NULLIF(count(*) FILTER (WHERE s.counted AND COALESCE(s."doc_kind" <> 'object', false)), 0), 'not_a_number', NULLIF(count(*) FILTER (WHERE s.counted AND COALESCE(-1 IN (s."j_0", s."j_1", s."j_2", s."j_3"), false)), 0), 'negative', NULLIF(count(*) FILTER (WHERE s.counted AND COALESCE(-2 IN (s."j_0", s."j_1", s."j_2", s."j_3"), false)), 0), 'fractional', NULLIF(count(*) FILTER (WHERE s.counted AND COALESCE(-3 IN (s."j_0", s."j_1", s."j_2", s."j_3"), false)), 0), 'out_of_range', NULLIF(count(*) FILTER (WHERE s.counted AND COALESCE(-4 IN (s."j_0", s."j_1", s."j_2", s."j_3"), false)), 0))) AS anomalies,
       COALESCE(string_agg(s.id::text || ' ' || s.row_version::text || ' ' || (s.cache_read)::text || ' ' || (s.cache_write)::text || ' ' || ((s.row_address::text)::point)[0]::bigint::text, ',') FILTER (WHERE s.cache_read <> 0 OR s.cache_write <> 0), '') AS judged
  FROM s;
