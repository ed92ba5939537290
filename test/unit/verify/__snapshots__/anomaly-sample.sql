-- anomalySampleStatement: pages [128, 256), at most 20
-- $1 = "(128,0)"
-- $2 = "(256,0)"
-- $3 = 20
SELECT a.id::text AS id, a.interception_id::text AS interception_id, a.anomalies,
         ARRAY(SELECT left(CASE WHEN u.label LIKE '%:$' THEN a.metadata::text
                                ELSE (a.metadata -> substr(u.label, strpos(u.label, ':') + 1))::text END, 200)
                 FROM unnest(a.anomalies) WITH ORDINALITY AS u(label, n) ORDER BY u.n) AS raw_values
    FROM (SELECT t.id, t.interception_id, t.metadata, CASE WHEN t.metadata IS NULL THEN '{}'::text[]
      WHEN jsonb_typeof(t.metadata) <> 'object' THEN ARRAY['not_an_object:$']::text[]
      ELSE array_remove(ARRAY[(CASE CASE WHEN t.metadata ? 'cache_read_input' THEN
    CASE scale(LEAST(GREATEST((t.metadata -> 'cache_read_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN 0
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
  END WHEN -1 THEN 'not_a_number' WHEN -2 THEN 'negative' WHEN -3 THEN 'fractional' WHEN -4 THEN 'out_of_range' END) || ':cache_read_input',
        (CASE CASE WHEN t.metadata ? 'input_cached' THEN
    CASE scale(LEAST(GREATEST((t.metadata -> 'input_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN 0
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
  END WHEN -1 THEN 'not_a_number' WHEN -2 THEN 'negative' WHEN -3 THEN 'fractional' WHEN -4 THEN 'out_of_range' END) || ':input_cached',
        (CASE CASE WHEN t.metadata ? 'prompt_cached' THEN
    CASE scale(LEAST(GREATEST((t.metadata -> 'prompt_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN 0
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
  END WHEN -1 THEN 'not_a_number' WHEN -2 THEN 'negative' WHEN -3 THEN 'fractional' WHEN -4 THEN 'out_of_range' END) || ':prompt_cached',
        (CASE CASE WHEN t.metadata ? 'cache_creation_input' THEN
    CASE scale(LEAST(GREATEST((t.metadata -> 'cache_creation_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN 0
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
  END WHEN -1 THEN 'not_a_number' WHEN -2 THEN 'negative' WHEN -3 THEN 'fractional' WHEN -4 THEN 'out_of_range' END) || ':cache_creation_input']::text[], NULL) END AS anomalies FROM "app"."aibridge_token_usages" AS t WHERE t.ctid >= $1::tid AND t.ctid < $2::tid OFFSET 0) AS a
   WHERE cardinality(a.anomalies) > 0
   LIMIT $3;
