-- cacheRead
COALESCE(GREATEST(CASE WHEN "t"."metadata" ? 'cache_read_input' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'cache_read_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'cache_read_input')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'cache_read_input'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'cache_read_input')::numeric >= 0 AND ("t"."metadata" -> 'cache_read_input')::numeric <= 9223372036854775807 THEN CASE WHEN ("t"."metadata" -> 'cache_read_input')::numeric = trunc(("t"."metadata" -> 'cache_read_input')::numeric) THEN ("t"."metadata" -> 'cache_read_input')::numeric::bigint END END
      WHEN 'string' THEN CASE WHEN ("t"."metadata" ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0'))::bigint END END
    END END
  END, CASE WHEN "t"."metadata" ? 'input_cached' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'input_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'input_cached')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'input_cached'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'input_cached')::numeric >= 0 AND ("t"."metadata" -> 'input_cached')::numeric <= 9223372036854775807 THEN CASE WHEN ("t"."metadata" -> 'input_cached')::numeric = trunc(("t"."metadata" -> 'input_cached')::numeric) THEN ("t"."metadata" -> 'input_cached')::numeric::bigint END END
      WHEN 'string' THEN CASE WHEN ("t"."metadata" ->> 'input_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0'))::bigint END END
    END END
  END, CASE WHEN "t"."metadata" ? 'prompt_cached' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'prompt_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'prompt_cached')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'prompt_cached'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'prompt_cached')::numeric >= 0 AND ("t"."metadata" -> 'prompt_cached')::numeric <= 9223372036854775807 THEN CASE WHEN ("t"."metadata" -> 'prompt_cached')::numeric = trunc(("t"."metadata" -> 'prompt_cached')::numeric) THEN ("t"."metadata" -> 'prompt_cached')::numeric::bigint END END
      WHEN 'string' THEN CASE WHEN ("t"."metadata" ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0'))::bigint END END
    END END
  END), 0)

-- cacheWrite
COALESCE(CASE WHEN "t"."metadata" ? 'cache_creation_input' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'cache_creation_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'cache_creation_input')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'cache_creation_input'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'cache_creation_input')::numeric >= 0 AND ("t"."metadata" -> 'cache_creation_input')::numeric <= 9223372036854775807 THEN CASE WHEN ("t"."metadata" -> 'cache_creation_input')::numeric = trunc(("t"."metadata" -> 'cache_creation_input')::numeric) THEN ("t"."metadata" -> 'cache_creation_input')::numeric::bigint END END
      WHEN 'string' THEN CASE WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0'))::bigint END END
    END END
  END, 0)

-- anomalies
CASE WHEN "t"."metadata" IS NULL THEN '{}'::text[]
      WHEN jsonb_typeof("t"."metadata") <> 'object' THEN ARRAY['not_an_object:$']::text[]
      ELSE array_remove(ARRAY[(CASE WHEN "t"."metadata" ? 'cache_read_input' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'cache_read_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN NULL
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'cache_read_input'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'cache_read_input')::numeric < 0 THEN 'negative' WHEN ("t"."metadata" -> 'cache_read_input')::numeric <> trunc(("t"."metadata" -> 'cache_read_input')::numeric) THEN 'fractional' WHEN ("t"."metadata" -> 'cache_read_input')::numeric > 9223372036854775807 THEN 'out_of_range' END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN NOT (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN 'out_of_range' END
        WHEN ("t"."metadata" ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'cache_read_input') ~ '[1-9]' THEN 'negative' END
        ELSE 'not_a_number' END
      WHEN 'boolean' THEN 'not_a_number'
      WHEN 'object' THEN 'not_a_number'
      WHEN 'array' THEN 'not_a_number'
    END END
  END) || ':cache_read_input',
        (CASE WHEN "t"."metadata" ? 'input_cached' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'input_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN NULL
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'input_cached'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'input_cached')::numeric < 0 THEN 'negative' WHEN ("t"."metadata" -> 'input_cached')::numeric <> trunc(("t"."metadata" -> 'input_cached')::numeric) THEN 'fractional' WHEN ("t"."metadata" -> 'input_cached')::numeric > 9223372036854775807 THEN 'out_of_range' END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'input_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN NOT (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN 'out_of_range' END
        WHEN ("t"."metadata" ->> 'input_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'input_cached') ~ '[1-9]' THEN 'negative' END
        ELSE 'not_a_number' END
      WHEN 'boolean' THEN 'not_a_number'
      WHEN 'object' THEN 'not_a_number'
      WHEN 'array' THEN 'not_a_number'
    END END
  END) || ':input_cached',
        (CASE WHEN "t"."metadata" ? 'prompt_cached' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'prompt_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN NULL
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'prompt_cached'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'prompt_cached')::numeric < 0 THEN 'negative' WHEN ("t"."metadata" -> 'prompt_cached')::numeric <> trunc(("t"."metadata" -> 'prompt_cached')::numeric) THEN 'fractional' WHEN ("t"."metadata" -> 'prompt_cached')::numeric > 9223372036854775807 THEN 'out_of_range' END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN NOT (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN 'out_of_range' END
        WHEN ("t"."metadata" ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'prompt_cached') ~ '[1-9]' THEN 'negative' END
        ELSE 'not_a_number' END
      WHEN 'boolean' THEN 'not_a_number'
      WHEN 'object' THEN 'not_a_number'
      WHEN 'array' THEN 'not_a_number'
    END END
  END) || ':prompt_cached',
        (CASE WHEN "t"."metadata" ? 'cache_creation_input' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'cache_creation_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN NULL
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'cache_creation_input'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'cache_creation_input')::numeric < 0 THEN 'negative' WHEN ("t"."metadata" -> 'cache_creation_input')::numeric <> trunc(("t"."metadata" -> 'cache_creation_input')::numeric) THEN 'fractional' WHEN ("t"."metadata" -> 'cache_creation_input')::numeric > 9223372036854775807 THEN 'out_of_range' END
      WHEN 'string' THEN CASE
        WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN NOT (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN 'out_of_range' END
        WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '[1-9]' THEN 'negative' END
        ELSE 'not_a_number' END
      WHEN 'boolean' THEN 'not_a_number'
      WHEN 'object' THEN 'not_a_number'
      WHEN 'array' THEN 'not_a_number'
    END END
  END) || ':cache_creation_input']::text[], NULL) END

-- staged.keyColumns
CASE WHEN "t"."metadata" ? 'cache_read_input' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'cache_read_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'cache_read_input')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'cache_read_input'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'cache_read_input')::numeric >= 0 AND ("t"."metadata" -> 'cache_read_input')::numeric <= 9223372036854775807 THEN CASE WHEN ("t"."metadata" -> 'cache_read_input')::numeric = trunc(("t"."metadata" -> 'cache_read_input')::numeric) THEN ("t"."metadata" -> 'cache_read_input')::numeric::bigint END END
      WHEN 'string' THEN CASE WHEN ("t"."metadata" ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0'))::bigint END END
    END END
  END AS "v_0",
CASE WHEN "t"."metadata" ? 'input_cached' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'input_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'input_cached')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'input_cached'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'input_cached')::numeric >= 0 AND ("t"."metadata" -> 'input_cached')::numeric <= 9223372036854775807 THEN CASE WHEN ("t"."metadata" -> 'input_cached')::numeric = trunc(("t"."metadata" -> 'input_cached')::numeric) THEN ("t"."metadata" -> 'input_cached')::numeric::bigint END END
      WHEN 'string' THEN CASE WHEN ("t"."metadata" ->> 'input_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0'))::bigint END END
    END END
  END AS "v_1",
CASE WHEN "t"."metadata" ? 'prompt_cached' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'prompt_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'prompt_cached')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'prompt_cached'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'prompt_cached')::numeric >= 0 AND ("t"."metadata" -> 'prompt_cached')::numeric <= 9223372036854775807 THEN CASE WHEN ("t"."metadata" -> 'prompt_cached')::numeric = trunc(("t"."metadata" -> 'prompt_cached')::numeric) THEN ("t"."metadata" -> 'prompt_cached')::numeric::bigint END END
      WHEN 'string' THEN CASE WHEN ("t"."metadata" ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0'))::bigint END END
    END END
  END AS "v_2",
CASE WHEN "t"."metadata" ? 'cache_creation_input' THEN
    CASE scale(LEAST(GREATEST(("t"."metadata" -> 'cache_creation_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN ("t"."metadata" ->> 'cache_creation_input')::bigint
    ELSE CASE jsonb_typeof(("t"."metadata" -> 'cache_creation_input'))
      WHEN 'number' THEN CASE WHEN ("t"."metadata" -> 'cache_creation_input')::numeric >= 0 AND ("t"."metadata" -> 'cache_creation_input')::numeric <= 9223372036854775807 THEN CASE WHEN ("t"."metadata" -> 'cache_creation_input')::numeric = trunc(("t"."metadata" -> 'cache_creation_input')::numeric) THEN ("t"."metadata" -> 'cache_creation_input')::numeric::bigint END END
      WHEN 'string' THEN CASE WHEN ("t"."metadata" ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN ('0' || ltrim(regexp_replace(("t"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0'))::bigint END END
    END END
  END AS "v_3"

-- staged.cacheRead
COALESCE(GREATEST("k"."v_0", "k"."v_1", "k"."v_2"), 0)

-- staged.cacheWrite
COALESCE("k"."v_3", 0)

-- staged.anomalies
CASE WHEN "k"."metadata" IS NOT NULL AND (jsonb_typeof("k"."metadata") <> 'object' OR ("k"."metadata" ? 'cache_read_input' AND "k"."v_0" IS NULL) OR ("k"."metadata" ? 'input_cached' AND "k"."v_1" IS NULL) OR ("k"."metadata" ? 'prompt_cached' AND "k"."v_2" IS NULL) OR ("k"."metadata" ? 'cache_creation_input' AND "k"."v_3" IS NULL)) THEN CASE WHEN "k"."metadata" IS NULL THEN '{}'::text[]
      WHEN jsonb_typeof("k"."metadata") <> 'object' THEN ARRAY['not_an_object:$']::text[]
      ELSE array_remove(ARRAY[(CASE WHEN "k"."metadata" ? 'cache_read_input' THEN
    CASE scale(LEAST(GREATEST(("k"."metadata" -> 'cache_read_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN NULL
    ELSE CASE jsonb_typeof(("k"."metadata" -> 'cache_read_input'))
      WHEN 'number' THEN CASE WHEN ("k"."metadata" -> 'cache_read_input')::numeric < 0 THEN 'negative' WHEN ("k"."metadata" -> 'cache_read_input')::numeric <> trunc(("k"."metadata" -> 'cache_read_input')::numeric) THEN 'fractional' WHEN ("k"."metadata" -> 'cache_read_input')::numeric > 9223372036854775807 THEN 'out_of_range' END
      WHEN 'string' THEN CASE
        WHEN ("k"."metadata" ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN NOT (octet_length(ltrim(regexp_replace(("k"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("k"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("k"."metadata" ->> 'cache_read_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN 'out_of_range' END
        WHEN ("k"."metadata" ->> 'cache_read_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("k"."metadata" ->> 'cache_read_input') ~ '[1-9]' THEN 'negative' END
        ELSE 'not_a_number' END
      WHEN 'boolean' THEN 'not_a_number'
      WHEN 'object' THEN 'not_a_number'
      WHEN 'array' THEN 'not_a_number'
    END END
  END) || ':cache_read_input',
        (CASE WHEN "k"."metadata" ? 'input_cached' THEN
    CASE scale(LEAST(GREATEST(("k"."metadata" -> 'input_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN NULL
    ELSE CASE jsonb_typeof(("k"."metadata" -> 'input_cached'))
      WHEN 'number' THEN CASE WHEN ("k"."metadata" -> 'input_cached')::numeric < 0 THEN 'negative' WHEN ("k"."metadata" -> 'input_cached')::numeric <> trunc(("k"."metadata" -> 'input_cached')::numeric) THEN 'fractional' WHEN ("k"."metadata" -> 'input_cached')::numeric > 9223372036854775807 THEN 'out_of_range' END
      WHEN 'string' THEN CASE
        WHEN ("k"."metadata" ->> 'input_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN NOT (octet_length(ltrim(regexp_replace(("k"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("k"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("k"."metadata" ->> 'input_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN 'out_of_range' END
        WHEN ("k"."metadata" ->> 'input_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("k"."metadata" ->> 'input_cached') ~ '[1-9]' THEN 'negative' END
        ELSE 'not_a_number' END
      WHEN 'boolean' THEN 'not_a_number'
      WHEN 'object' THEN 'not_a_number'
      WHEN 'array' THEN 'not_a_number'
    END END
  END) || ':input_cached',
        (CASE WHEN "k"."metadata" ? 'prompt_cached' THEN
    CASE scale(LEAST(GREATEST(("k"."metadata" -> 'prompt_cached'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN NULL
    ELSE CASE jsonb_typeof(("k"."metadata" -> 'prompt_cached'))
      WHEN 'number' THEN CASE WHEN ("k"."metadata" -> 'prompt_cached')::numeric < 0 THEN 'negative' WHEN ("k"."metadata" -> 'prompt_cached')::numeric <> trunc(("k"."metadata" -> 'prompt_cached')::numeric) THEN 'fractional' WHEN ("k"."metadata" -> 'prompt_cached')::numeric > 9223372036854775807 THEN 'out_of_range' END
      WHEN 'string' THEN CASE
        WHEN ("k"."metadata" ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN NOT (octet_length(ltrim(regexp_replace(("k"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("k"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("k"."metadata" ->> 'prompt_cached'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN 'out_of_range' END
        WHEN ("k"."metadata" ->> 'prompt_cached') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("k"."metadata" ->> 'prompt_cached') ~ '[1-9]' THEN 'negative' END
        ELSE 'not_a_number' END
      WHEN 'boolean' THEN 'not_a_number'
      WHEN 'object' THEN 'not_a_number'
      WHEN 'array' THEN 'not_a_number'
    END END
  END) || ':prompt_cached',
        (CASE WHEN "k"."metadata" ? 'cache_creation_input' THEN
    CASE scale(LEAST(GREATEST(("k"."metadata" -> 'cache_creation_input'), '-0.1'::jsonb), '9223372036854775807.1'::jsonb)::numeric) WHEN 0 THEN NULL
    ELSE CASE jsonb_typeof(("k"."metadata" -> 'cache_creation_input'))
      WHEN 'number' THEN CASE WHEN ("k"."metadata" -> 'cache_creation_input')::numeric < 0 THEN 'negative' WHEN ("k"."metadata" -> 'cache_creation_input')::numeric <> trunc(("k"."metadata" -> 'cache_creation_input')::numeric) THEN 'fractional' WHEN ("k"."metadata" -> 'cache_creation_input')::numeric > 9223372036854775807 THEN 'out_of_range' END
      WHEN 'string' THEN CASE
        WHEN ("k"."metadata" ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*[+]?[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN NOT (octet_length(ltrim(regexp_replace(("k"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) < 19 OR (octet_length(ltrim(regexp_replace(("k"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0')) = 19 AND ltrim(regexp_replace(("k"."metadata" ->> 'cache_creation_input'), '[^0-9]', '', 'g'), '0') COLLATE "C" <= '9223372036854775807')) THEN 'out_of_range' END
        WHEN ("k"."metadata" ->> 'cache_creation_input') ~ '^[ \t\n\r\v\f]*-[0-9]+[ \t\n\r\v\f]*$' THEN CASE WHEN ("k"."metadata" ->> 'cache_creation_input') ~ '[1-9]' THEN 'negative' END
        ELSE 'not_a_number' END
      WHEN 'boolean' THEN 'not_a_number'
      WHEN 'object' THEN 'not_a_number'
      WHEN 'array' THEN 'not_a_number'
    END END
  END) || ':cache_creation_input']::text[], NULL) END ELSE '{}'::text[] END

-- staged.legacyRead (the dashboards before the change)
(COALESCE("k"."v_0", 0)::numeric + COALESCE("k"."v_2", 0)::numeric)

-- staged.legacyWrite
COALESCE("k"."v_3", 0)::numeric

-- upstream.cacheRead
GREATEST(COALESCE(("t"."metadata" ->> 'cache_read_input')::bigint, 0), COALESCE(("t"."metadata" ->> 'input_cached')::bigint, 0), COALESCE(("t"."metadata" ->> 'prompt_cached')::bigint, 0))

-- upstream.cacheWrite
COALESCE(("t"."metadata" ->> 'cache_creation_input')::bigint, 0)
