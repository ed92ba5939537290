-- reverseJudgeStatement: pages [64, 72) of run 7, pass 0
-- $1 = "2026-11-30T12:00:00.123Z"
-- $2 = 7
-- $3 = 0
-- $4 = "(64,0)"
-- $5 = "(72,0)"
-- $6 = "(64,0)"
-- $7 = "(72,0)"
WITH s AS MATERIALIZED (
  SELECT t.id, t.ctid AS row_address, t.xmin AS row_version, t.created_at <= $1::timestamptz AS existed,
         t.ctid <> ALL (ARRAY(SELECT m.row_address FROM "aibridge_migrate"."backfill_moved_rows" AS m
                             WHERE m.run_id = $2 AND m.pass = $3 AND m.row_address >= $4::tid AND m.row_address < $5::tid)) AS counted, j.owned, j.needs, j.unreversible
    FROM "app"."aibridge_token_usages" AS t
    CROSS JOIN LATERAL (SELECT o.owned, o.read_off, o.write_off, o.owned AND (o.read_off OR o.write_off) AS needs,
          CASE WHEN NOT (o.owned AND (o.read_off OR o.write_off)) THEN NULL
               WHEN t.metadata IS NOT NULL AND jsonb_typeof(t.metadata) <> 'object' THEN 'not_an_object'
               WHEN t.metadata ? 'aibridge_migrate_displaced'
                    AND ((o.read_off AND t.metadata ?| ARRAY['cache_read_input', 'input_cached', 'prompt_cached']::text[]) OR (o.write_off AND t.metadata ?| ARRAY['cache_creation_input']::text[]))
                 THEN 'displaced_key_present'
          END AS unreversible
     FROM (SELECT (t."cache_read_input_tokens" <> 0 OR t."cache_write_input_tokens" <> 0) AS owned,
                  (GREATEST(0, CASE WHEN t.metadata ? 'cache_read_input' THEN
    CASE scale(LEAST(GREATEST((t.metadata -> 'cache_read_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN (t.metadata ->> 'cache_read_input')::bigint
    ELSE CASE jsonb_typeof((t.metadata -> 'cache_read_input'))
      WHEN 'number' THEN CASE WHEN (t.metadata -> 'cache_read_input')::numeric < 0 THEN -2 WHEN (t.metadata -> 'cache_read_input')::numeric <> trunc((t.metadata -> 'cache_read_input')::numeric) THEN -3 WHEN (t.metadata -> 'cache_read_input')::numeric > 9223372036854775807 THEN -4 ELSE (t.metadata -> 'cache_read_input')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN (t.metadata ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace((t.metadata ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace((t.metadata ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace((t.metadata ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace((t.metadata ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN (t.metadata ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (t.metadata ->> 'cache_read_input') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END, CASE WHEN t.metadata ? 'input_cached' THEN
    CASE scale(LEAST(GREATEST((t.metadata -> 'input_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN (t.metadata ->> 'input_cached')::bigint
    ELSE CASE jsonb_typeof((t.metadata -> 'input_cached'))
      WHEN 'number' THEN CASE WHEN (t.metadata -> 'input_cached')::numeric < 0 THEN -2 WHEN (t.metadata -> 'input_cached')::numeric <> trunc((t.metadata -> 'input_cached')::numeric) THEN -3 WHEN (t.metadata -> 'input_cached')::numeric > 9223372036854775807 THEN -4 ELSE (t.metadata -> 'input_cached')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN (t.metadata ->> 'input_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace((t.metadata ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace((t.metadata ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace((t.metadata ->> 'input_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace((t.metadata ->> 'input_cached'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN (t.metadata ->> 'input_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (t.metadata ->> 'input_cached') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END, CASE WHEN t.metadata ? 'prompt_cached' THEN
    CASE scale(LEAST(GREATEST((t.metadata -> 'prompt_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN (t.metadata ->> 'prompt_cached')::bigint
    ELSE CASE jsonb_typeof((t.metadata -> 'prompt_cached'))
      WHEN 'number' THEN CASE WHEN (t.metadata -> 'prompt_cached')::numeric < 0 THEN -2 WHEN (t.metadata -> 'prompt_cached')::numeric <> trunc((t.metadata -> 'prompt_cached')::numeric) THEN -3 WHEN (t.metadata -> 'prompt_cached')::numeric > 9223372036854775807 THEN -4 ELSE (t.metadata -> 'prompt_cached')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN (t.metadata ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace((t.metadata ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace((t.metadata ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace((t.metadata ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace((t.metadata ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN (t.metadata ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (t.metadata ->> 'prompt_cached') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END)) <> t."cache_read_input_tokens" AS read_off,
                  (GREATEST(0, CASE WHEN t.metadata ? 'cache_creation_input' THEN
    CASE scale(LEAST(GREATEST((t.metadata -> 'cache_creation_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN (t.metadata ->> 'cache_creation_input')::bigint
    ELSE CASE jsonb_typeof((t.metadata -> 'cache_creation_input'))
      WHEN 'number' THEN CASE WHEN (t.metadata -> 'cache_creation_input')::numeric < 0 THEN -2 WHEN (t.metadata -> 'cache_creation_input')::numeric <> trunc((t.metadata -> 'cache_creation_input')::numeric) THEN -3 WHEN (t.metadata -> 'cache_creation_input')::numeric > 9223372036854775807 THEN -4 ELSE (t.metadata -> 'cache_creation_input')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN (t.metadata ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace((t.metadata ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace((t.metadata ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace((t.metadata ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace((t.metadata ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN (t.metadata ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (t.metadata ->> 'cache_creation_input') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END)) <> t."cache_write_input_tokens" AS write_off) AS o) AS j
   WHERE t.ctid >= $6::tid AND t.ctid < $7::tid
)
SELECT count(*) FILTER (WHERE s.counted)::bigint AS scanned,
       count(*) FILTER (WHERE s.counted AND s.owned)::bigint AS app_written,
       count(*) FILTER (WHERE s.counted AND s.existed)::bigint AS existed,
       jsonb_strip_nulls(jsonb_build_object('not_an_object', NULLIF(count(*) FILTER (WHERE s.counted AND s.unreversible = 'not_an_object'), 0), 'displaced_key_present', NULLIF(count(*) FILTER (WHERE s.counted AND s.unreversible = 'displaced_key_present'), 0))) AS anomalies,
       COALESCE(string_agg(s.id::text || ' ' || s.row_version::text || ' ' || ((s.row_address::text)::point)[0]::bigint::text, ',') FILTER (WHERE s.needs AND s.unreversible IS NULL), '') AS judged
  FROM s;
