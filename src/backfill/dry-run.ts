/**
 * `backfill --dry-run`: what a run would do, read in one READ ONLY transaction. It takes no
 * runner lock and writes no ledger row; its only locks are the ACCESS SHARE every SELECT
 * takes, which block no application query. It works before `up` too (the columns then count
 * as 0 everywhere).
 */
import type { Queryable } from '../db/port.js';
import type { ConnectionTarget } from '../db/target.js';
import { translatePgError } from '../db/pg-errors.js';
import { withTransaction } from '../db/transaction.js';
import { READ_COLUMN, tables, WRITE_COLUMN, type Tables } from '../names.js';
import { compileRuleSql } from '../rule/index.js';
import type { Clock } from '../runtime.js';
import { idleInTransactionTimeoutMs } from './options.js';
import { etaMs } from './policy/estimate.js';
import { inspectTable } from './run/preflight.js';

export interface DryRunGroup {
  /** null when aibridge_interceptions is absent (one group for the whole table). */
  provider: string | null;
  model: string | null;
  rows: number;
  wouldUpdate: number;
  applicationWritten: number;
  /** Sums of the values the run would write into the two columns. */
  cacheReadToWrite: string;
  cacheWriteToWrite: string;
}

export interface DryRunAnomalyClass {
  /** Rows with at least one value of this class (among rows whose columns are still 0). */
  rows: number;
  /** Up to SAMPLE_IDS ids, lowest first, to look at with a SELECT. */
  sampleIds: string[];
}

export interface DryRunReport {
  table: string;
  /** False before `up`: the columns count as 0 for every row. */
  columnsPresent: boolean;
  rows: number;
  wouldUpdate: number;
  applicationWritten: number;
  nullMetadata: number;
  anomalies: Record<string, DryRunAnomalyClass>;
  /** Per provider and model, most rows to update first; one row when interceptions are absent. */
  groups: DryRunGroup[];
  byProvider: boolean;
  /** How long reading and judging the whole table took here, and the rate it shows. */
  readMs: number;
  readRowsPerSecond: number;
  /** Rough duration of the real run, from the read rate (writes cost about WRITE_COST x a read). */
  estimatedRunMs: number | null;
}

export const SAMPLE_IDS = 5;
/**
 * Writing a row costs about this many times reading and judging it (measured on 1M generated
 * rows, see docs/backfill.md): heap update, WAL, the ledger per batch.
 */
export const WRITE_COST = 4;

export interface DryRunOptions {
  schema: string;
  stateSchema: string;
  connection: ConnectionTarget;
  /** --statement-timeout, ms: a stopped process's snapshot is ended by the server after twice this (at least a minute). */
  statementTimeout: number;
}

export async function executeDryRun(session: Queryable, options: DryRunOptions, clock: Clock): Promise<DryRunReport> {
  const names = tables(options.schema, options.stateSchema);
  const interceptions = names.interceptions;
  // REPEATABLE READ: every query below sees the same snapshot, so the numbers add up. The idle
  // timeout is the transaction's own: nothing is set for the session, so this works through
  // a transaction-mode pooler and leaves nothing on its server connection.
  const local = { idle_in_transaction_session_timeout: String(idleInTransactionTimeoutMs(options.statementTimeout)) };
  return withTransaction(session, (db) => readDryRun(db, options, names, interceptions, clock), { mode: 'snapshot', local }).catch(
    (error: unknown) => {
      throw translatePgError(error, { connection: options.connection, action: 'reading for --dry-run' });
    },
  );
}

async function readDryRun(
  db: Queryable,
  options: DryRunOptions,
  names: Tables,
  interceptions: string,
  clock: Clock,
): Promise<DryRunReport> {
  const facts = await inspectTable(db, options.schema, names);
  const rule = compileRuleSql('t.metadata');
  const read = facts.hasCacheColumns ? `t.${READ_COLUMN}` : '0::bigint';
  const write = facts.hasCacheColumns ? `t.${WRITE_COLUMN}` : '0::bigint';
  const judged = `SELECT t.id, t.interception_id, t.metadata IS NULL AS null_metadata,
              (${read} <> 0 OR ${write} <> 0) AS app_written, r.cache_read, r.cache_write, r.anomalies
         FROM ${names.usages} AS t
         CROSS JOIN LATERAL (SELECT ${rule.cacheRead} AS cache_read, ${rule.cacheWrite} AS cache_write, ${rule.anomalies} AS anomalies) AS r`;
  const eligible = `(NOT j.app_written AND (j.cache_read <> 0 OR j.cache_write <> 0))`;
  const provider = facts.hasInterceptions ? 'i.provider' : 'NULL::text';
  const model = facts.hasInterceptions ? 'i.model' : 'NULL::text';
  const join = facts.hasInterceptions ? `LEFT JOIN ${interceptions} AS i ON i.id = j.interception_id` : '';
  const started = clock.now();
  const { rows: groups } = await db.query(
    `SELECT ${provider} AS provider, ${model} AS model,
              count(*)::bigint AS rows,
              count(*) FILTER (WHERE ${eligible})::bigint AS would_update,
              count(*) FILTER (WHERE j.app_written)::bigint AS app_written,
              count(*) FILTER (WHERE j.null_metadata)::bigint AS null_metadata,
              count(*) FILTER (WHERE NOT j.app_written AND cardinality(j.anomalies) > 0)::bigint AS anomalous,
              COALESCE(sum(j.cache_read) FILTER (WHERE ${eligible}), 0)::text AS read_sum,
              COALESCE(sum(j.cache_write) FILTER (WHERE ${eligible}), 0)::text AS write_sum
         FROM (${judged}) AS j ${join}
        GROUP BY 1, 2
        ORDER BY would_update DESC, rows DESC, 1, 2`,
  );
  const readMs = Math.max(1, clock.now() - started);
  const anomalous = groups.reduce((sum, g) => sum + Number(g.anomalous), 0);
  const anomalies: Record<string, DryRunAnomalyClass> = {};
  if (anomalous > 0) {
    const { rows } = await db.query(
      `SELECT class, n, array_agg(id ORDER BY id) FILTER (WHERE rn <= $1) AS samples
           FROM (SELECT class, id, row_number() OVER (PARTITION BY class ORDER BY id) AS rn, count(*) OVER (PARTITION BY class) AS n
                   FROM (SELECT DISTINCT split_part(label, ':', 1) AS class, j.id::text AS id
                           FROM (${judged}) AS j CROSS JOIN LATERAL unnest(j.anomalies) AS label
                          WHERE NOT j.app_written) AS labelled) AS ranked
          GROUP BY class, n ORDER BY class`,
      [SAMPLE_IDS],
    );
    for (const row of rows) anomalies[row.class] = { rows: Number(row.n), sampleIds: row.samples ?? [] };
  }

  const total = groups.reduce((sum, g) => sum + Number(g.rows), 0);
  const wouldUpdate = groups.reduce((sum, g) => sum + Number(g.would_update), 0);
  const readRowsPerSecond = Math.round((total * 1000) / readMs);
  const readEquivalent = total + (WRITE_COST - 1) * wouldUpdate;
  return {
    table: names.usages,
    columnsPresent: facts.hasCacheColumns,
    rows: total,
    wouldUpdate,
    applicationWritten: groups.reduce((sum, g) => sum + Number(g.app_written), 0),
    nullMetadata: groups.reduce((sum, g) => sum + Number(g.null_metadata), 0),
    anomalies,
    groups: groups.map((g) => ({
      provider: g.provider,
      model: g.model,
      rows: Number(g.rows),
      wouldUpdate: Number(g.would_update),
      applicationWritten: Number(g.app_written),
      cacheReadToWrite: g.read_sum,
      cacheWriteToWrite: g.write_sum,
    })),
    byProvider: facts.hasInterceptions,
    readMs: Math.round(readMs),
    readRowsPerSecond,
    estimatedRunMs: total === 0 ? 0 : etaMs(readEquivalent, readRowsPerSecond),
  };
}
