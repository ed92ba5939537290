/**
 * The key walk (PostgreSQL 13, and runs begun before the page walk): a range is worked in
 * primary-key order, a batch at a time; each batch is one short transaction that runs the
 * direction's statement over the next rows of the range and records the checkpoint. Either all
 * of it commits or none of it does, so a crash at any instant loses no committed batch and
 * repeats none.
 */
import type { Queryable } from '../../db/port.js';
import type { Sql } from '../../db/sql.js';
import { withTransaction } from '../../db/transaction.js';
import { recordBatchWith } from '../../ledger/checkpoint.js';
import { countsOf, type RangeRow } from '../../ledger/rows.js';
import type { BatchSizer } from '../policy/controller.js';
import type { StepOutcome } from '../step.js';
import { stepSettings, type RangeWalker, type WalkSettings } from './walker.js';

export class KeyWalker implements RangeWalker {
  private range: RangeRow | null = null;

  constructor(
    private readonly settings: WalkSettings,
    /** The lane's batch sizes. */
    private readonly sizer: BatchSizer,
  ) {}

  get size(): number {
    return this.sizer.size;
  }

  begin(range: RangeRow): void {
    this.range = range;
  }

  async close(): Promise<void> {}

  split(): number {
    return this.sizer.split();
  }

  async step(db: Queryable, lockWaiters: Sql): Promise<StepOutcome> {
    const { ops, tables, clock } = this.settings;
    const range = this.range!;
    const size = this.sizer.size;
    const started = clock.now();
    const lo = range.checkpoint ?? range.lo;
    const outcome = await withTransaction(
      db,
      async (tx) => {
        const statement = ops.batch(tables.usages, { lo, hi: range.hi, size, existedBefore: this.settings.runStartedAt });
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
        const existedAtStart = this.settings.firstPassCountsRowsAtStart && range.pass === 0 ? Number(stats.existed) : null;
        const position = { walk: 'key' as const, checkpoint };
        const recorded = await recordBatchWith(
          tx,
          tables,
          {
            runId: range.runId,
            rangeNo: range.rangeNo,
            pass: range.pass,
            position,
            rangeDone,
            ms: clock.now() - started,
            existedAtStart,
            ...counts,
          },
          lockWaiters,
        );
        return { position, rangeDone, run: recorded.totals, blockedSessions: recorded.also, ...counts };
      },
      { local: stepSettings(this.settings) },
    );
    const ms = clock.now() - started;
    this.sizer.observe({ rows: outcome.scanned, ms });
    if (!outcome.rangeDone)
      this.range = { ...range, checkpoint: outcome.position.checkpoint, rowsScanned: range.rowsScanned + outcome.scanned };
    return { kind: 'batch', size, ms, charged: outcome.scanned, judgedAhead: false, ...outcome };
  }
}
