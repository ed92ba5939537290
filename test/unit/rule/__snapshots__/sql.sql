-- cacheRead
GREATEST(0, CASE WHEN "t"."metadata" ? 'cache_read_input' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'cache_read_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'cache_read_input')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'cache_read_input'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'cache_read_input')::numeric < 0 THEN -2 WHEN ("t"."metadata" -> 'cache_read_input')::numeric <> trunc(("t"."metadata" -> 'cache_read_input')::numeric) THEN -3 WHEN ("t"."metadata" -> 'cache_read_input')::numeric > 9223372036854775807 THEN -4 ELSE ("t"."metadata" -> 'cache_read_input')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN ("t"."metadata" ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'cache_read_input') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END, CASE WHEN "t"."metadata" ? 'input_cached' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'input_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'input_cached')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'input_cached'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'input_cached')::numeric < 0 THEN -2 WHEN ("t"."metadata" -> 'input_cached')::numeric <> trunc(("t"."metadata" -> 'input_cached')::numeric) THEN -3 WHEN ("t"."metadata" -> 'input_cached')::numeric > 9223372036854775807 THEN -4 ELSE ("t"."metadata" -> 'input_cached')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'input_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN ("t"."metadata" ->> 'input_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'input_cached') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END, CASE WHEN "t"."metadata" ? 'prompt_cached' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'prompt_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'prompt_cached')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'prompt_cached'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'prompt_cached')::numeric < 0 THEN -2 WHEN ("t"."metadata" -> 'prompt_cached')::numeric <> trunc(("t"."metadata" -> 'prompt_cached')::numeric) THEN -3 WHEN ("t"."metadata" -> 'prompt_cached')::numeric > 9223372036854775807 THEN -4 ELSE ("t"."metadata" -> 'prompt_cached')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN ("t"."metadata" ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'prompt_cached') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END)

-- cacheWrite
GREATEST(0, CASE WHEN "t"."metadata" ? 'cache_creation_input' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'cache_creation_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'cache_creation_input')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'cache_creation_input'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'cache_creation_input')::numeric < 0 THEN -2 WHEN ("t"."metadata" -> 'cache_creation_input')::numeric <> trunc(("t"."metadata" -> 'cache_creation_input')::numeric) THEN -3 WHEN ("t"."metadata" -> 'cache_creation_input')::numeric > 9223372036854775807 THEN -4 ELSE ("t"."metadata" -> 'cache_creation_input')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END)

-- anomalies
CASE WHEN "t"."metadata" IS NULL THEN '{}'::text[]
      WHEN jsonb_typeof("t"."metadata") <> 'object' THEN ARRAY['not_an_object:$']::text[]
      ELSE array_remove(ARRAY[(CASE CASE WHEN "t"."metadata" ? 'cache_read_input' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'cache_read_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN 0
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'cache_read_input'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'cache_read_input')::numeric < 0 THEN -2 WHEN ("t"."metadata" -> 'cache_read_input')::numeric <> trunc(("t"."metadata" -> 'cache_read_input')::numeric) THEN -3 WHEN ("t"."metadata" -> 'cache_read_input')::numeric > 9223372036854775807 THEN -4 ELSE ("t"."metadata" -> 'cache_read_input')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN ("t"."metadata" ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'cache_read_input') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END WHEN -1 THEN 'not_a_number' WHEN -2 THEN 'negative' WHEN -3 THEN 'fractional' WHEN -4 THEN 'out_of_range' END) || ':cache_read_input',
        (CASE CASE WHEN "t"."metadata" ? 'input_cached' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'input_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN 0
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'input_cached'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'input_cached')::numeric < 0 THEN -2 WHEN ("t"."metadata" -> 'input_cached')::numeric <> trunc(("t"."metadata" -> 'input_cached')::numeric) THEN -3 WHEN ("t"."metadata" -> 'input_cached')::numeric > 9223372036854775807 THEN -4 ELSE ("t"."metadata" -> 'input_cached')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'input_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN ("t"."metadata" ->> 'input_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'input_cached') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END WHEN -1 THEN 'not_a_number' WHEN -2 THEN 'negative' WHEN -3 THEN 'fractional' WHEN -4 THEN 'out_of_range' END) || ':input_cached',
        (CASE CASE WHEN "t"."metadata" ? 'prompt_cached' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'prompt_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN 0
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'prompt_cached'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'prompt_cached')::numeric < 0 THEN -2 WHEN ("t"."metadata" -> 'prompt_cached')::numeric <> trunc(("t"."metadata" -> 'prompt_cached')::numeric) THEN -3 WHEN ("t"."metadata" -> 'prompt_cached')::numeric > 9223372036854775807 THEN -4 ELSE ("t"."metadata" -> 'prompt_cached')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN ("t"."metadata" ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'prompt_cached') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END WHEN -1 THEN 'not_a_number' WHEN -2 THEN 'negative' WHEN -3 THEN 'fractional' WHEN -4 THEN 'out_of_range' END) || ':prompt_cached',
        (CASE CASE WHEN "t"."metadata" ? 'cache_creation_input' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'cache_creation_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN 0
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'cache_creation_input'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'cache_creation_input')::numeric < 0 THEN -2 WHEN ("t"."metadata" -> 'cache_creation_input')::numeric <> trunc(("t"."metadata" -> 'cache_creation_input')::numeric) THEN -3 WHEN ("t"."metadata" -> 'cache_creation_input')::numeric > 9223372036854775807 THEN -4 ELSE ("t"."metadata" -> 'cache_creation_input')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END WHEN -1 THEN 'not_a_number' WHEN -2 THEN 'negative' WHEN -3 THEN 'fractional' WHEN -4 THEN 'out_of_range' END) || ':cache_creation_input']::text[], NULL) END

-- staged.innerColumns
CASE WHEN "t"."metadata" ? 'cache_read_input' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'cache_read_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'cache_read_input')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'cache_read_input'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'cache_read_input')::numeric < 0 THEN -2 WHEN ("t"."metadata" -> 'cache_read_input')::numeric <> trunc(("t"."metadata" -> 'cache_read_input')::numeric) THEN -3 WHEN ("t"."metadata" -> 'cache_read_input')::numeric > 9223372036854775807 THEN -4 ELSE ("t"."metadata" -> 'cache_read_input')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN ("t"."metadata" ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'cache_read_input') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END AS "j_0",
CASE WHEN "t"."metadata" ? 'input_cached' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'input_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'input_cached')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'input_cached'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'input_cached')::numeric < 0 THEN -2 WHEN ("t"."metadata" -> 'input_cached')::numeric <> trunc(("t"."metadata" -> 'input_cached')::numeric) THEN -3 WHEN ("t"."metadata" -> 'input_cached')::numeric > 9223372036854775807 THEN -4 ELSE ("t"."metadata" -> 'input_cached')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'input_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN ("t"."metadata" ->> 'input_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'input_cached') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END AS "j_1",
CASE WHEN "t"."metadata" ? 'prompt_cached' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'prompt_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'prompt_cached')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'prompt_cached'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'prompt_cached')::numeric < 0 THEN -2 WHEN ("t"."metadata" -> 'prompt_cached')::numeric <> trunc(("t"."metadata" -> 'prompt_cached')::numeric) THEN -3 WHEN ("t"."metadata" -> 'prompt_cached')::numeric > 9223372036854775807 THEN -4 ELSE ("t"."metadata" -> 'prompt_cached')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN ("t"."metadata" ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'prompt_cached') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END AS "j_2",
CASE WHEN "t"."metadata" ? 'cache_creation_input' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'cache_creation_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'cache_creation_input')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'cache_creation_input'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'cache_creation_input')::numeric < 0 THEN -2 WHEN ("t"."metadata" -> 'cache_creation_input')::numeric <> trunc(("t"."metadata" -> 'cache_creation_input')::numeric) THEN -3 WHEN ("t"."metadata" -> 'cache_creation_input')::numeric > 9223372036854775807 THEN -4 ELSE ("t"."metadata" -> 'cache_creation_input')::numeric::bigint END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0'))::bigint ELSE -4 END
        WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '[1-9]' THEN -2 END
        ELSE -1 END
      WHEN 'boolean' THEN -1
      WHEN 'object' THEN -1
      WHEN 'array' THEN -1
    END END
  END AS "j_3",
jsonb_typeof("t"."metadata") AS "doc_kind"

-- staged.cacheRead
GREATEST(0, "k"."j_0", "k"."j_1", "k"."j_2")

-- staged.cacheWrite
GREATEST(0, "k"."j_3")

-- staged.anomalyLabels
not_an_object:$: COALESCE("k"."doc_kind" <> 'object', false)
not_a_number:cache_read_input: COALESCE("k"."j_0" = -1, false)
negative:cache_read_input: COALESCE("k"."j_0" = -2, false)
fractional:cache_read_input: COALESCE("k"."j_0" = -3, false)
out_of_range:cache_read_input: COALESCE("k"."j_0" = -4, false)
not_a_number:input_cached: COALESCE("k"."j_1" = -1, false)
negative:input_cached: COALESCE("k"."j_1" = -2, false)
fractional:input_cached: COALESCE("k"."j_1" = -3, false)
out_of_range:input_cached: COALESCE("k"."j_1" = -4, false)
not_a_number:prompt_cached: COALESCE("k"."j_2" = -1, false)
negative:prompt_cached: COALESCE("k"."j_2" = -2, false)
fractional:prompt_cached: COALESCE("k"."j_2" = -3, false)
out_of_range:prompt_cached: COALESCE("k"."j_2" = -4, false)
not_a_number:cache_creation_input: COALESCE("k"."j_3" = -1, false)
negative:cache_creation_input: COALESCE("k"."j_3" = -2, false)
fractional:cache_creation_input: COALESCE("k"."j_3" = -3, false)
out_of_range:cache_creation_input: COALESCE("k"."j_3" = -4, false)

-- staged.anyAnomaly
COALESCE("k"."doc_kind" <> 'object' OR LEAST("k"."j_0", "k"."j_1", "k"."j_2", "k"."j_3") < 0, false)

-- staged.legacyReadTerms (the dashboards before the change)
GREATEST(0, "k"."j_0") + GREATEST(0, "k"."j_2")

-- staged.legacyWrite
GREATEST(0, "k"."j_3")

-- upstream.cacheRead
GREATEST(COALESCE(("t"."metadata" ->> 'cache_read_input')::bigint, 0), COALESCE(("t"."metadata" ->> 'input_cached')::bigint, 0), COALESCE(("t"."metadata" ->> 'prompt_cached')::bigint, 0))

-- upstream.cacheWrite
COALESCE(("t"."metadata" ->> 'cache_creation_input')::bigint, 0)
