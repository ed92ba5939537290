/**
 * The report model: what `verify` found, as one versioned structure that every renderer reads
 * and the JSON renderer prints as is (snake_case, like the Coder API). Within one
 * `schema_version` fields are only added; renaming, removing or changing a field bumps it.
 * Token counts are JSON integers, exact up to 2^53; a larger sum is rounded and named in `warnings`.
 */
import { z } from 'zod';

/**
 * 2: totals.sessions.count became nullable (sessions are summed only when some row fails).
 * 3: `estimate` (always null: no command produced one) was removed; `kind` is always "verify".
 * 4: verify reads the table in short statements (chunks) inside one snapshot. Counting every
 *    session needs every session key in one place, which no short statement has: so
 *    totals.sessions.count (every session) was replaced by `with_failing_rows` (the sessions
 *    holding a pending or conflict row — the only ones that can differ), and it and
 *    `differing` are null when sessions were not summed. `verify --sample` added
 *    outcome.status "sample" and the `sample` section, and a sample does not count the table:
 *    count_parity.rows_in_table and ledger_run.rows_now became nullable. `scan` (how the table
 *    was read) was added.
 */
export const REPORT_SCHEMA_VERSION = 4;

const count = z.number().int().nonnegative();
const tokens = z.number().int();
const uuid = z.string();

export const CHECK_IDS = ['row_parity', 'count_parity', 'totals_by_provider_model', 'totals_by_session', 'anomalies'] as const;

export const checkSchema = z.object({
  id: z.enum(CHECK_IDS),
  title: z.string(),
  /** pass; fail (parity does not hold); warn (worth a look, not a failure); skipped. */
  status: z.enum(['pass', 'fail', 'warn', 'skipped']),
  summary: z.string(),
  /** Row ids that make this check fail or warn (a sample, capped by max_samples). */
  offending_row_ids: z.array(uuid),
});

export const rowSampleSchema = z.object({
  id: uuid,
  interception_id: uuid,
  /** What the columns hold now. */
  column_cache_read: tokens,
  column_cache_write: tokens,
  /** What the rule derives from the row's metadata. */
  rule_cache_read: tokens,
  rule_cache_write: tokens,
});

export const classCountsSchema = z.object({
  ok: count,
  application_written: count,
  pending: count,
  conflict: count,
});

/** One cache column's totals within a group. */
export const columnTotalsSchema = z.object({
  /** Sum of the column (what the API's token_usage_summary adds up). */
  columns: tokens,
  /** Sum the rule derives from metadata. */
  rule: tokens,
  /** Part of `columns` in application_written rows where the metadata gives 0. */
  application_written: tokens,
  /** columns − application_written − rule; 0 when parity holds. */
  difference: tokens,
  /** What the old dashboard summed from metadata (reads: cache_read_input + prompt_cached). */
  legacy_dashboard: tokens,
  /** rule + application_written: what the dashboard shows once the columns are complete. */
  dashboard_after: tokens,
  /** dashboard_after − legacy_dashboard: how far the dashboard total moves at the switch. */
  dashboard_change: tokens,
});

export const providerModelTotalsSchema = z.object({
  /** null: usage rows whose interception does not exist. */
  provider: z.string().nullable(),
  model: z.string().nullable(),
  rows: count,
  classes: classCountsSchema,
  rows_with_anomalies: count,
  cache_read: columnTotalsSchema,
  cache_write: columnTotalsSchema,
  /** Rows whose metadata carries input_cached (OpenAI Responses; ignored by the old dashboard). */
  rows_with_input_cached: count,
  /** Rows carrying more than one cache-read key (the old dashboard added them; the rule takes the largest). */
  rows_with_several_read_keys: count,
  agrees: z.boolean(),
  /** Why the dashboard total moves at the switch, in words. */
  dashboard_change_reasons: z.array(z.string()),
});

export const sessionTotalsSchema = z.object({
  /** COALESCE(client_session_id, thread_root_id, interception id); null for rows without an interception. */
  session: z.string().nullable(),
  rows: count,
  cache_read: z.object({ columns: tokens, rule: tokens, application_written: tokens, difference: tokens }),
  cache_write: z.object({ columns: tokens, rule: tokens, application_written: tokens, difference: tokens }),
  agrees: z.boolean(),
});

export const ledgerRunSchema = z.object({
  run_id: z.string(),
  status: z.string(),
  rule_fingerprint: z.string(),
  rule_fingerprint_matches: z.boolean(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  table_rows_at_start: count.nullable(),
  max_created_at_at_start: z.string().nullable(),
  rows_scanned: count,
  rows_updated: count,
  rows_application_written: count,
  /** Rows in the table now; null for a sample (the table was not counted). */
  rows_now: count.nullable(),
  /** Rows now whose created_at is after max_created_at_at_start: inserted since the run began. */
  rows_created_since_start: count.nullable(),
  /** rows_now − table_rows_at_start − rows_created_since_start: deletions, or created_at out of order. */
  rows_unexplained: z.number().int().nullable(),
});

export const anomalySampleSchema = z.object({
  id: uuid,
  interception_id: uuid,
  anomalies: z.array(z.object({ class: z.string(), key: z.string().nullable(), raw_value: z.string() })),
});

/** A whole-table figure estimated from a sample, with its sampling error (verify/sample-estimate.ts). */
export const estimateSchema = z.object({
  estimate: z.number().int(),
  standard_error: z.number().nonnegative(),
  /** The 95% interval, rounded outwards. */
  low: z.number().int(),
  high: z.number().int(),
});

export const sampleSchema = z.object({
  /** The share of the table's pages asked for. */
  percent: z.number().positive(),
  /** Independent TABLESAMPLE SYSTEM statements the sample was taken in, with seeds seed, seed + 1, … */
  replicates: count,
  seed: z.number().int(),
  /** Rows read: every count and sum elsewhere in this report is over these rows only. */
  rows_sampled: count,
  /** The whole table, estimated. */
  estimates: z.object({
    rows: estimateSchema,
    classes: z.object({ ok: estimateSchema, application_written: estimateSchema, pending: estimateSchema, conflict: estimateSchema }),
    rows_with_anomalies: estimateSchema,
    cache_read: z.object({ columns: estimateSchema, rule: estimateSchema, difference: estimateSchema }),
    cache_write: z.object({ columns: estimateSchema, rule: estimateSchema, difference: estimateSchema }),
  }),
});

export const scanSchema = z.object({
  /** pages: heap pages (PostgreSQL 14+); keys: slices of the key space; sample: TABLESAMPLE replicates. */
  read_by: z.enum(['pages', 'keys', 'sample']),
  /** Sessions that read chunks of the one snapshot (pg_export_snapshot). */
  sessions: count,
  /** Statements of the pass over every row. */
  chunks: count,
  longest_chunk_ms: z.number().nonnegative(),
  /** From the snapshot to the last statement. */
  duration_ms: z.number().nonnegative(),
});

export const reportSchema = z
  .object({
    schema_version: z.literal(REPORT_SCHEMA_VERSION),
    kind: z.literal('verify'),
    generated_at: z.string(),
    tool: z.object({ name: z.literal('aibridge-migrate'), rule_fingerprint: z.string() }),
    target: z.object({
      /** host:port/database (never the password). */
      database: z.string(),
      schema: z.string(),
      table: z.string(),
      server_version_num: z.number().int(),
    }),
    snapshot: z.object({
      isolation: z.literal('repeatable read, read only'),
      taken_at: z.string(),
      /** false before `up`: the columns are read as 0, so every eligible row shows as pending. */
      columns_present: z.boolean(),
    }),
    scan: scanSchema,
    outcome: z.object({
      /**
       * pass / fail; before_up: the columns do not exist yet (a preview); sample: a sample
       * found no failing row — which is not a pass (exit code 12; see the README).
       */
      status: z.enum(['pass', 'fail', 'before_up', 'sample']),
      exit_code: z.number().int(),
      failing_checks: z.array(z.enum(CHECK_IDS)),
      fail_on_anomaly: z.boolean(),
    }),
    checks: z.array(checkSchema),
    row_parity: z.object({
      rows: count,
      classes: classCountsSchema,
      max_samples: count,
      samples: z.object({ pending: z.array(rowSampleSchema), conflict: z.array(rowSampleSchema) }),
    }),
    count_parity: z.object({
      /** null for a sample: the table was not counted. */
      rows_in_table: count.nullable(),
      rows_classified: count,
      /** absent: no ledger table (before `up`); no_runs: no forward backfill recorded; present: see ledger_run. */
      ledger: z.enum(['absent', 'no_runs', 'present']),
      ledger_run: ledgerRunSchema.nullable(),
    }),
    totals: z.object({
      by_provider_model: z.array(providerModelTotalsSchema),
      all: providerModelTotalsSchema,
      sessions: z.object({
        /**
         * Sessions holding a pending or conflict row: the only sessions whose totals can differ
         * (0 when no row fails). null when not summed: a sample, or more sessions than one
         * verify holds in memory (row parity then already fails on a large scale).
         */
        with_failing_rows: count.nullable(),
        /** Of those, the sessions whose totals differ; null when not summed. */
        differing: count.nullable(),
        top_n: count,
        /** The sessions with the largest difference (all agreeing sessions are omitted when any differ). */
        top: z.array(sessionTotalsSchema),
      }),
    }),
    anomalies: z.object({
      rows: count,
      by_class: z.record(z.string(), count),
      by_key: z.array(z.object({ class: z.string(), key: z.string().nullable(), rows: count })),
      samples: z.array(anomalySampleSchema),
    }),
    /** null for a full verify. */
    sample: sampleSchema.nullable(),
    warnings: z.array(z.string()),
  })
  .strict();

export type Report = z.infer<typeof reportSchema>;
export type Check = z.infer<typeof checkSchema>;
export type RowSample = z.infer<typeof rowSampleSchema>;
export type ClassCounts = z.infer<typeof classCountsSchema>;
export type ColumnTotals = z.infer<typeof columnTotalsSchema>;
export type ProviderModelTotals = z.infer<typeof providerModelTotalsSchema>;
export type SessionTotals = z.infer<typeof sessionTotalsSchema>;
export type AnomalySample = z.infer<typeof anomalySampleSchema>;
export type Estimate = z.infer<typeof estimateSchema>;
export type SampleSection = z.infer<typeof sampleSchema>;
export type ScanSection = z.infer<typeof scanSchema>;
