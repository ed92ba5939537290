/**
 * One batch: one short transaction that finds the batch's upper key, runs the direction's
 * statement over the rows of (lo, hi], and records the checkpoint. Either all of it commits or
 * none of it does, so a crash at any instant loses no committed batch and repeats none. The
 * forward and the reverse run differ only in the statement (sql.ts, reverse-sql.ts).
 */
import type { Clock } from './deps.js';
import { recordBatch, type BatchResult, type Queryable, type RangeRow } from './ledger.js';
import { batchStatement, upperBoundQuery, type KeyBounds, type TableNames } from './sql.js';

export interface BatchTimeouts {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

export interface BatchOutcome extends BatchResult {
  lo: string | null;
}

/**
 * A direction's batch statement over (lo, hi]. Its one row has `scanned`, `updated`,
 * `app_written`, `last_id` and `anomalies` (a {label: count} object).
 */
export type BatchStatement = (usages: string, bounds: KeyBounds) => { text: string; values: unknown[] };

export type BatchFn = (
  db: Queryable,
  names: TableNames,
  range: RangeRow,
  size: number,
  timeouts: BatchTimeouts,
  clock: Clock,
  /** Runs in the batch's transaction after its update, while its row locks are held. */
  beforeCommit?: (db: Queryable) => Promise<void>,
) => Promise<BatchOutcome>;

/** The batch runner of a direction: the transaction around `statement`. */
export function batchRunner(statement: BatchStatement): BatchFn {
  return async (db, names, range, size, timeouts, clock, beforeCommit) => {
    const started = clock.now();
    const lo = range.checkpoint ?? range.lo;
    await db.query('BEGIN');
    try {
      // Local to this transaction: the session's own settings stay as the DBA configured them.
      await db.query(`SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true)`, [
        `${timeouts.statementTimeoutMs}ms`,
        `${timeouts.lockTimeoutMs}ms`,
      ]);
      const bound = upperBoundQuery(names.usages, { lo, hi: range.hi }, size);
      const { rows: boundRows } = await db.query<{ id: string }>(bound.text, bound.values);
      const upper = boundRows[0]?.id ?? null;
      // No key `size` rows ahead: this batch runs to the end of the range.
      const rangeDone = upper === null;
      const hi = upper ?? range.hi;
      const built = statement(names.usages, { lo, hi });
      const { rows } = await db.query(built.text, built.values);
      const stats = rows[0]!;
      const anomalies: Record<string, number> = {};
      for (const [k, v] of Object.entries((stats.anomalies ?? {}) as Record<string, unknown>)) anomalies[k] = Number(v);
      const checkpoint = hi ?? (stats.last_id as string | null) ?? lo;
      const outcome: BatchOutcome = {
        lo,
        checkpoint,
        rangeDone,
        scanned: Number(stats.scanned),
        updated: Number(stats.updated),
        applicationWritten: Number(stats.app_written),
        anomalies,
        ms: clock.now() - started,
      };
      // Before the ledger write: it locks the run's row, which parallel workers all update.
      if (beforeCommit) await beforeCommit(db);
      await recordBatch(db, names, {
        runId: range.runId,
        rangeNo: range.rangeNo,
        pass: range.pass,
        checkpoint,
        rangeDone,
        scanned: outcome.scanned,
        updated: outcome.updated,
        applicationWritten: outcome.applicationWritten,
        anomalies,
        ms: outcome.ms,
      });
      await db.query('COMMIT');
      outcome.ms = clock.now() - started;
      return outcome;
    } catch (error) {
      // On a dead connection ROLLBACK fails too; the server rolls the transaction back itself.
      await db.query('ROLLBACK').catch(() => {});
      throw error;
    }
  };
}

/** A forward batch: fill the columns from metadata. */
export const runBatch: BatchFn = batchRunner(batchStatement);
