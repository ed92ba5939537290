/**
 * One batch: one short transaction that runs the direction's statement over the next rows of
 * a range and records the checkpoint. Either all of it commits or none of it does, so a crash
 * at any instant loses no committed batch and repeats none.
 */
import type { Queryable } from '../../db/port.js';
import { withTransaction } from '../../db/transaction.js';
import { recordBatch, type BatchRecord, type RunTotals } from '../../ledger/checkpoint.js';
import { countsOf, type RangeRow } from '../../ledger/rows.js';
import type { Tables } from '../../names.js';
import type { Clock } from '../../runtime.js';
import type { DirectionOps } from '../sql/direction.js';
import { BATCH_PLANNER_SETTINGS } from '../sql/forward.js';

export interface BatchTimeouts {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

/** What the batch did (as the ledger records it), where it started, and the run's totals after it. */
export interface BatchOutcome extends Pick<
  BatchRecord,
  'checkpoint' | 'rangeDone' | 'scanned' | 'updated' | 'applicationWritten' | 'anomalies' | 'ms'
> {
  lo: string | null;
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
  /** The run's start: rows created at or before it existed when the run began. */
  runStartedAt: Date;
  /** This run's keyed pass counts the rows that existed at its start (see choose-run.ts). */
  countsRowsAtStart: boolean;
  /** Runs in the batch's transaction after its update, while its row locks are held. */
  beforeCommit?: (db: Queryable) => Promise<void>;
}

export async function runBatch(db: Queryable, input: BatchInput): Promise<BatchOutcome> {
  const { ops, tables, range, clock, size } = input;
  const started = clock.now();
  const lo = range.checkpoint ?? range.lo;
  const local = {
    statement_timeout: `${input.timeouts.statementTimeoutMs}ms`,
    lock_timeout: `${input.timeouts.lockTimeoutMs}ms`,
    ...BATCH_PLANNER_SETTINGS,
  };
  const outcome = await withTransaction(
    db,
    async (tx) => {
      const statement = ops.batch(tables.usages, { lo, hi: range.hi, size, existedBefore: input.runStartedAt });
      const { rows } = await tx.query(statement.text, statement.values);
      const stats = rows[0]!;
      const scanned = Number(stats.scanned);
      // Fewer rows than asked for: the range has no more, this batch runs to its end.
      const rangeDone = scanned < size;
      const lastId = (stats.last_id as string | null) ?? null;
      const checkpoint = rangeDone ? (range.hi ?? lastId ?? lo) : lastId;
      const counts = {
        scanned,
        updated: Number(stats.updated),
        applicationWritten: Number(stats.app_written),
        anomalies: countsOf(stats.anomalies),
      };
      const ms = clock.now() - started;
      // Before the ledger write: it locks the run's row, which every lane of the run updates.
      if (input.beforeCommit) await input.beforeCommit(tx);
      const existedAtStart = input.countsRowsAtStart && range.pass === 0 ? Number(stats.existed) : null;
      const run = await recordBatch(tx, tables, {
        runId: range.runId,
        rangeNo: range.rangeNo,
        pass: range.pass,
        checkpoint,
        rangeDone,
        ms,
        existedAtStart,
        ...counts,
      });
      return { lo, checkpoint, rangeDone, ms, run, ...counts };
    },
    { local },
  );
  return { ...outcome, ms: clock.now() - started };
}
