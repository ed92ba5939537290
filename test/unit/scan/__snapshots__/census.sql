-- pages
-- values: ["(310,0)","2026-12-01T00:00:00.000Z","(20,0)","(80,0)","(100,0)","(340,0)"]
-- settings: {"enable_seqscan":"off","enable_mergejoin":"off","enable_sort":"off"}
SELECT r.found AS has_interception, r.provider, r.model, CASE WHEN r.column_read = 0 AND r.column_write = 0 THEN 1 ELSE 0 END + CASE WHEN r.column_read = r.rule_read THEN 2 ELSE 0 END + CASE WHEN r.column_write = r.rule_write THEN 4 ELSE 0 END + CASE WHEN r.rule_read = 0 THEN 8 ELSE 0 END + CASE WHEN r.rule_write = 0 THEN 16 ELSE 0 END + r.facts AS bits, count(*)::bigint AS rows,
       COALESCE(sum(r.column_read), 0)::text AS column_read, COALESCE(sum(r.column_write), 0)::text AS column_write, COALESCE(sum(r.rule_read), 0)::text AS rule_read, COALESCE(sum(r.rule_write), 0)::text AS rule_write, COALESCE(sum(r.legacy_read_0), 0)::text AS legacy_read_0, COALESCE(sum(r.legacy_read_1), 0)::text AS legacy_read_1,
       count(*) FILTER (WHERE r.created_after)::bigint AS created_after,
       count(r.page)::bigint AS spread_rows, COALESCE(sum(r.page), 0)::float8 AS spread_sum, COALESCE(sum(r.page * r.page), 0)::float8 AS spread_squares
  FROM (
      SELECT k.found, k.provider, k.model, k.page, k.created_after, k.column_read, k.column_write,
             GREATEST(0, k."j_0", k."j_1", k."j_2") AS rule_read, GREATEST(0, k."j_3") AS rule_write,
             CASE WHEN num_nonnulls(k."j_0", k."j_1", k."j_2") > 1 THEN GREATEST(0, k."j_0") ELSE 0 END AS legacy_read_0, CASE WHEN num_nonnulls(k."j_0", k."j_1", k."j_2") > 1 THEN GREATEST(0, k."j_2") ELSE 0 END AS legacy_read_1,
             CASE k.doc_kind WHEN 'object' THEN 0 ELSE CASE WHEN k.doc_kind IS NULL THEN 32 ELSE 64 END END + CASE WHEN k."j_1" IS NOT NULL THEN 128 ELSE 0 END + CASE WHEN num_nonnulls(k."j_0", k."j_1", k."j_2") > 1 THEN 256 ELSE 0 END + CASE WHEN LEAST(k."j_0", k."j_1", k."j_2", k."j_3") < 0 THEN COALESCE(-LEAST(k."j_0", 0), 0) * 512 + COALESCE(-LEAST(k."j_1", 0), 0) * 4096 + COALESCE(-LEAST(k."j_2", 0), 0) * 32768 + COALESCE(-LEAST(k."j_3", 0), 0) * 262144 ELSE 0 END AS facts
        FROM (
          SELECT t."cache_read_input_tokens" AS column_read, t."cache_write_input_tokens" AS column_write,
                 CASE WHEN t.metadata ? 'cache_read_input' THEN
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
  END AS "j_0",
                 CASE WHEN t.metadata ? 'input_cached' THEN
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
  END AS "j_1",
                 CASE WHEN t.metadata ? 'prompt_cached' THEN
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
  END AS "j_2",
                 CASE WHEN t.metadata ? 'cache_creation_input' THEN
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
  END AS "j_3",
                 jsonb_typeof(t.metadata) AS "doc_kind",
                 (n.id IS NOT NULL OR f.ctid IS NOT NULL) AS found, COALESCE(n.provider, f.provider) AS provider, COALESCE(n.model, f.model) AS model,
                 CASE WHEN t.ctid >= $1::tid THEN (COALESCE(n.ctid, f.ctid)::text::point)[0] END AS page,
                 t.created_at > $2::timestamptz AS created_after
            FROM "public"."aibridge_token_usages" AS t
            LEFT JOIN (SELECT n.id, n.ctid, n.provider AS provider, n.model AS model FROM "public"."aibridge_interceptions" AS n WHERE n.ctid >= $3::tid AND n.ctid < $4::tid) AS n ON n.id = t.interception_id
    LEFT JOIN LATERAL (SELECT f.ctid, f.provider AS provider, f.model AS model FROM "public"."aibridge_interceptions" AS f WHERE n.id IS NULL AND f.id = t.interception_id OFFSET 0) AS f ON true
           WHERE t.ctid >= $5::tid AND t.ctid < $6::tid
          OFFSET 0
        ) AS k
      OFFSET 0
  ) AS r
 GROUP BY 1, 2, 3, 4

-- keys (before up)
-- values: ["40000000-0000-0000-0000-000000000000","80000000-0000-0000-0000-000000000000"]
-- settings: {"enable_seqscan":"off","enable_mergejoin":"off","enable_sort":"off","enable_hashjoin":"off"}
SELECT r.found AS has_interception, r.provider, r.model, CASE WHEN r.column_read = 0 AND r.column_write = 0 THEN 1 ELSE 0 END + CASE WHEN r.column_read = r.rule_read THEN 2 ELSE 0 END + CASE WHEN r.column_write = r.rule_write THEN 4 ELSE 0 END + CASE WHEN r.rule_read = 0 THEN 8 ELSE 0 END + CASE WHEN r.rule_write = 0 THEN 16 ELSE 0 END + r.facts AS bits, count(*)::bigint AS rows,
       COALESCE(sum(r.column_read), 0)::text AS column_read, COALESCE(sum(r.column_write), 0)::text AS column_write, COALESCE(sum(r.rule_read), 0)::text AS rule_read, COALESCE(sum(r.rule_write), 0)::text AS rule_write, COALESCE(sum(r.legacy_read_0), 0)::text AS legacy_read_0, COALESCE(sum(r.legacy_read_1), 0)::text AS legacy_read_1
  FROM (
      SELECT k.found, k.provider, k.model, k.column_read, k.column_write,
             GREATEST(0, k."j_0", k."j_1", k."j_2") AS rule_read, GREATEST(0, k."j_3") AS rule_write,
             CASE WHEN num_nonnulls(k."j_0", k."j_1", k."j_2") > 1 THEN GREATEST(0, k."j_0") ELSE 0 END AS legacy_read_0, CASE WHEN num_nonnulls(k."j_0", k."j_1", k."j_2") > 1 THEN GREATEST(0, k."j_2") ELSE 0 END AS legacy_read_1,
             CASE k.doc_kind WHEN 'object' THEN 0 ELSE CASE WHEN k.doc_kind IS NULL THEN 32 ELSE 64 END END + CASE WHEN k."j_1" IS NOT NULL THEN 128 ELSE 0 END + CASE WHEN num_nonnulls(k."j_0", k."j_1", k."j_2") > 1 THEN 256 ELSE 0 END + CASE WHEN LEAST(k."j_0", k."j_1", k."j_2", k."j_3") < 0 THEN COALESCE(-LEAST(k."j_0", 0), 0) * 512 + COALESCE(-LEAST(k."j_1", 0), 0) * 4096 + COALESCE(-LEAST(k."j_2", 0), 0) * 32768 + COALESCE(-LEAST(k."j_3", 0), 0) * 262144 ELSE 0 END AS facts
        FROM (
          SELECT 0::bigint AS column_read, 0::bigint AS column_write,
                 CASE WHEN t.metadata ? 'cache_read_input' THEN
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
  END AS "j_0",
                 CASE WHEN t.metadata ? 'input_cached' THEN
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
  END AS "j_1",
                 CASE WHEN t.metadata ? 'prompt_cached' THEN
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
  END AS "j_2",
                 CASE WHEN t.metadata ? 'cache_creation_input' THEN
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
  END AS "j_3",
                 jsonb_typeof(t.metadata) AS "doc_kind",
                 (i.id IS NOT NULL) AS found, i.provider AS provider, i.model AS model
            FROM "public"."aibridge_token_usages" AS t
            LEFT JOIN "public"."aibridge_interceptions" AS i ON i.id = t.interception_id
           WHERE t.id >= $1::uuid AND t.id < $2::uuid
          OFFSET 0
        ) AS k
      OFFSET 0
  ) AS r
 GROUP BY 1, 2, 3, 4

-- sample (no interceptions table)
-- values: [0.1,7]
-- settings: {"enable_mergejoin":"off","enable_sort":"off","enable_hashjoin":"off"}
SELECT r.found AS has_interception, r.provider, r.model, CASE WHEN r.column_read = 0 AND r.column_write = 0 THEN 1 ELSE 0 END + CASE WHEN r.column_read = r.rule_read THEN 2 ELSE 0 END + CASE WHEN r.column_write = r.rule_write THEN 4 ELSE 0 END + CASE WHEN r.rule_read = 0 THEN 8 ELSE 0 END + CASE WHEN r.rule_write = 0 THEN 16 ELSE 0 END + r.facts AS bits, count(*)::bigint AS rows,
       COALESCE(sum(r.column_read), 0)::text AS column_read, COALESCE(sum(r.column_write), 0)::text AS column_write, COALESCE(sum(r.rule_read), 0)::text AS rule_read, COALESCE(sum(r.rule_write), 0)::text AS rule_write, COALESCE(sum(r.legacy_read_0), 0)::text AS legacy_read_0, COALESCE(sum(r.legacy_read_1), 0)::text AS legacy_read_1
  FROM (
      SELECT k.found, k.provider, k.model, k.column_read, k.column_write,
             GREATEST(0, k."j_0", k."j_1", k."j_2") AS rule_read, GREATEST(0, k."j_3") AS rule_write,
             CASE WHEN num_nonnulls(k."j_0", k."j_1", k."j_2") > 1 THEN GREATEST(0, k."j_0") ELSE 0 END AS legacy_read_0, CASE WHEN num_nonnulls(k."j_0", k."j_1", k."j_2") > 1 THEN GREATEST(0, k."j_2") ELSE 0 END AS legacy_read_1,
             CASE k.doc_kind WHEN 'object' THEN 0 ELSE CASE WHEN k.doc_kind IS NULL THEN 32 ELSE 64 END END + CASE WHEN k."j_1" IS NOT NULL THEN 128 ELSE 0 END + CASE WHEN num_nonnulls(k."j_0", k."j_1", k."j_2") > 1 THEN 256 ELSE 0 END + CASE WHEN LEAST(k."j_0", k."j_1", k."j_2", k."j_3") < 0 THEN COALESCE(-LEAST(k."j_0", 0), 0) * 512 + COALESCE(-LEAST(k."j_1", 0), 0) * 4096 + COALESCE(-LEAST(k."j_2", 0), 0) * 32768 + COALESCE(-LEAST(k."j_3", 0), 0) * 262144 ELSE 0 END AS facts
        FROM (
          SELECT t."cache_read_input_tokens" AS column_read, t."cache_write_input_tokens" AS column_write,
                 CASE WHEN t.metadata ? 'cache_read_input' THEN
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
  END AS "j_0",
                 CASE WHEN t.metadata ? 'input_cached' THEN
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
  END AS "j_1",
                 CASE WHEN t.metadata ? 'prompt_cached' THEN
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
  END AS "j_2",
                 CASE WHEN t.metadata ? 'cache_creation_input' THEN
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
  END AS "j_3",
                 jsonb_typeof(t.metadata) AS "doc_kind",
                 false AS found, NULL::text AS provider, NULL::text AS model
            FROM "public"."aibridge_token_usages" AS t TABLESAMPLE SYSTEM ($1::float8) REPEATABLE ($2::float8)
           WHERE true
          OFFSET 0
        ) AS k
      OFFSET 0
  ) AS r
 GROUP BY 1, 2, 3, 4
