-- sessionDiffStatement: pages [128, 256), interceptions on pages [10, 40)
-- $1 = "(10,0)"
-- $2 = "(40,0)"
-- $3 = "(128,0)"
-- $4 = "(256,0)"
SELECT x.session, count(*)::bigint AS rows,
         sum(x.column_read - x.rule_read)::text AS diff_read, sum(x.column_write - x.rule_write)::text AS diff_write
    FROM (SELECT r.*, CASE
      WHEN r.column_read = r.rule_read AND r.column_write = r.rule_write THEN 'ok'
      WHEN r.column_read = 0 AND r.column_write = 0 THEN 'pending'
      WHEN (r.column_read = r.rule_read OR r.rule_read = 0) AND (r.column_write = r.rule_write OR r.rule_write = 0) THEN 'application_written'
      ELSE 'conflict'
    END AS parity_class
  FROM (
    SELECT k.id, k.interception_id, k.column_read, k.column_write, GREATEST(0, k."j_0", k."j_1", k."j_2") AS rule_read, GREATEST(0, k."j_3") AS rule_write, k.session
      FROM (
        SELECT t.id, t.interception_id, t."cache_read_input_tokens" AS column_read, t."cache_write_input_tokens" AS column_write,
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
                 COALESCE(n.session, f.session) AS session
            FROM "app"."aibridge_token_usages" AS t
            LEFT JOIN (SELECT n.id, n.ctid, COALESCE(n.client_session_id, n.thread_root_id::text, n.id::text) AS session FROM "app"."aibridge_interceptions" AS n WHERE n.ctid >= $1::tid AND n.ctid < $2::tid) AS n ON n.id = t.interception_id
    LEFT JOIN LATERAL (SELECT f.ctid, COALESCE(f.client_session_id, f.thread_root_id::text, f.id::text) AS session FROM "app"."aibridge_interceptions" AS f WHERE n.id IS NULL AND f.id = t.interception_id OFFSET 0) AS f ON true
           WHERE t.ctid >= $3::tid AND t.ctid < $4::tid
          OFFSET 0
      ) AS k
    OFFSET 0
  ) AS r) AS x
   WHERE x.parity_class IN ('pending', 'conflict')
   GROUP BY x.session;

-- sessionDiffStatement: no interceptions window
-- $1 = "(128,0)"
-- $2 = "(256,0)"
SELECT x.session, count(*)::bigint AS rows,
         sum(x.column_read - x.rule_read)::text AS diff_read, sum(x.column_write - x.rule_write)::text AS diff_write
    FROM (SELECT r.*, CASE
      WHEN r.column_read = r.rule_read AND r.column_write = r.rule_write THEN 'ok'
      WHEN r.column_read = 0 AND r.column_write = 0 THEN 'pending'
      WHEN (r.column_read = r.rule_read OR r.rule_read = 0) AND (r.column_write = r.rule_write OR r.rule_write = 0) THEN 'application_written'
      ELSE 'conflict'
    END AS parity_class
  FROM (
    SELECT k.id, k.interception_id, k.column_read, k.column_write, GREATEST(0, k."j_0", k."j_1", k."j_2") AS rule_read, GREATEST(0, k."j_3") AS rule_write, k.session
      FROM (
        SELECT t.id, t.interception_id, t."cache_read_input_tokens" AS column_read, t."cache_write_input_tokens" AS column_write,
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
                 COALESCE(i.client_session_id, i.thread_root_id::text, i.id::text) AS session
            FROM "app"."aibridge_token_usages" AS t
            LEFT JOIN "app"."aibridge_interceptions" AS i ON i.id = t.interception_id
           WHERE t.ctid >= $1::tid AND t.ctid < $2::tid
          OFFSET 0
      ) AS k
    OFFSET 0
  ) AS r) AS x
   WHERE x.parity_class IN ('pending', 'conflict')
   GROUP BY x.session;
