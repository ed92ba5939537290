-- reverseRoundStatement: two rows of window [64, 72), pass ends at page 4096
-- $1 = "40000000-0000-4000-8000-000000000000 1001 64,7fffffff-ffff-4fff-bfff-ffffffffffff 1002 65"
-- $2 = "(64,0)"
-- $3 = "(72,0)"
-- $4 = "(4096,0)"
WITH v AS (
  SELECT split_part(r, ' ', 1)::uuid AS "id", split_part(r, ' ', 2)::xid AS "row_version"
    FROM string_to_table(NULLIF($1, ''), ',') AS r
), u AS (
  UPDATE "app"."aibridge_token_usages" AS t
     SET metadata = (SELECT (COALESCE(t.metadata, '{}'::jsonb) - (CASE WHEN j.read_off THEN ARRAY['cache_read_input', 'input_cached', 'prompt_cached']::text[] ELSE '{}'::text[] END || CASE WHEN j.write_off THEN ARRAY['cache_creation_input']::text[] ELSE '{}'::text[] END))
      || CASE WHEN j.read_off AND t."cache_read_input_tokens" <> 0 THEN jsonb_build_object('cache_read_input', t."cache_read_input_tokens") ELSE '{}'::jsonb END
      || CASE WHEN j.write_off AND t."cache_write_input_tokens" <> 0 THEN jsonb_build_object('cache_creation_input', t."cache_write_input_tokens") ELSE '{}'::jsonb END
      || COALESCE((SELECT jsonb_build_object('aibridge_migrate_displaced', jsonb_object_agg(e.key, e.value))
        FROM jsonb_each(COALESCE(t.metadata, '{}'::jsonb)) AS e WHERE e.key = ANY (CASE WHEN j.read_off THEN ARRAY['cache_read_input', 'input_cached', 'prompt_cached']::text[] ELSE '{}'::text[] END || CASE WHEN j.write_off THEN ARRAY['cache_creation_input']::text[] ELSE '{}'::text[] END) HAVING count(*) > 0), '{}'::jsonb) FROM (SELECT o.owned, o.read_off, o.write_off, o.owned AND (o.read_off OR o.write_off) AS needs,
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
  END)) <> t."cache_write_input_tokens" AS write_off) AS o) AS j)
    FROM v
   WHERE t.id = v.id AND t.xmin = v.row_version
  RETURNING t.ctid AS address
)
SELECT count(*)::bigint AS updated,
       COALESCE(array_agg(u.address::text) FILTER (WHERE (u.address < $2::tid OR u.address >= $3::tid) AND u.address < $4::tid), '{}') AS moved
  FROM u;
