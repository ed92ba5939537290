/**
 * One batch: one short transaction that finds the batch's upper key, runs the direction's
 * statement over the rows of (lo, hi], and records the checkpoint. Either all of it commits or
 * none of it does, so a crash at any instant loses no committed batch and repeats none.
 */
import type { Queryable } from '../../db/port.js';
import { withTransaction } from '../../db/transaction.js';
import { recordBatch, type RunTotals } from '../../ledger/checkpoint.js';
import { countsOf, type RangeRow } from '../../ledger/rows.js';
import type { Tables } from '../../names.js';
import type { Clock } from '../../runtime.js';
import type { DirectionOps } from '../sql/direction.js';
import { upperBoundQuery } from '../sql/keyset.js';

export interface BatchTimeouts {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

export interface BatchOutcome {
  lo: string | null;
  /** Last key the batch covered; the next batch starts after it. */
  checkpoint: string | null;
  rangeDone: boolean;
  scanned: number;
  updated: number;
  applicationWritten: number;
  anomalies: Record<string, number>;
  ms: number;
  /** The run's totals after this batch, all processes. */
  run: RunTotals;
}

export interface BatchInput {
  ops: DirectionOps;
  tables: Tables;
  range: RangeRow;
  size: number;
  timeouts: BatchTimeouts;
  clock: Clock;
  /** Runs in the batch's transaction after its update, while its row locks are held. */
  beforeCommit?: (db: Queryable) => Promise<void>;
}

export async function runBatch(db: Queryable, input: BatchInput): Promise<BatchOutcome> {
  const { ops, tables, range, clock } = input;
  const started = clock.now();
  const lo = range.checkpoint ?? range.lo;
  const local = { statement_timeout: `${input.timeouts.statementTimeoutMs}ms`, lock_timeout: `${input.timeouts.lockTimeoutMs}ms` };
  const outcome = await withTransaction(
    db,
    async (tx) => {
      const bound = upperBoundQuery(tables.usages, { lo, hi: range.hi }, input.size);
      const { rows: boundRows } = await tx.query<{ id: string }>(bound.text, bound.values);
      const upper = boundRows[0]?.id ?? null;
      // No key `size` rows ahead: this batch runs to the end of the range.
      const rangeDone = upper === null;
      const hi = upper ?? range.hi;
      const statement = ops.statement(tables.usages, { lo, hi });
      const { rows } = await tx.query(statement.text, statement.values);
      const stats = rows[0]!;
      const checkpoint = hi ?? (stats.last_id as string | null) ?? lo;
      const counts = {
        scanned: Number(stats.scanned),
        updated: Number(stats.updated),
        applicationWritten: Number(stats.app_written),
        anomalies: countsOf(stats.anomalies),
      };
      const ms = clock.now() - started;
      // Before the ledger write: it locks the run's row, which every lane of the run updates.
      if (input.beforeCommit) await input.beforeCommit(tx);
      const run = await recordBatch(tx, tables, { runId: range.runId, rangeNo: range.rangeNo, pass: range.pass, checkpoint, rangeDone, ms, ...counts });
      return { lo, checkpoint, rangeDone, ms, run, ...counts };
    },
    { local },
  );
  return { ...outcome, ms: clock.now() - started };
}
