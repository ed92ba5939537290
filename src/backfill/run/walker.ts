/**
 * How a lane works through a range, one short transaction per step: the key walk's batches
 * (key-walk.ts) or the page walk's judges and rounds (page-walk.ts). A walker belongs to one
 * lane and sizes its steps with that lane's controllers (laneWalker in lane.ts), from range to
 * range.
 */
import type { Connector, Queryable } from '../../db/port.js';
import type { Sql } from '../../db/sql.js';
import type { RangeRow } from '../../ledger/rows.js';
import type { Tables } from '../../names.js';
import type { Clock } from '../../runtime.js';
import type { ReadAheadMode } from '../policy/read-ahead.js';
import type { CheckpointPace } from '../policy/rounds.js';
import type { DirectionOps } from '../sql/direction.js';
import { BATCH_PLANNER_SETTINGS } from '../sql/forward.js';
import type { StepOutcome } from '../step.js';

export interface WalkSettings {
  ops: DirectionOps;
  tables: Tables;
  timeouts: { statementTimeoutMs: number; lockTimeoutMs: number };
  clock: Clock;
  /** The run's start: rows created at or before it existed when the run began. */
  runStartedAt: Date;
  /** The run's first pass counts the rows that existed at its start (table_rows_at_start). */
  firstPassCountsRowsAtStart: boolean;
  /** How often the server checkpoints: a page walk's windows are kept short against it. */
  pace: CheckpointPace;
  /** The rate limit now (rows read per second, this process), null: none. */
  maxRowsPerSecond: () => number | null;
  /**
   * The page walk's read-ahead (read-ahead.ts): how to open its second session, which judges the
   * next window while this one's rounds write, and whether it runs always (on) or where it pays
   * (auto: policy/read-ahead.ts); null: never.
   */
  readAhead: { connect: Connector; mode: Exclude<ReadAheadMode, 'off'> } | null;
  /** The wal_compression every step sets for itself (--wal-compression, policy/wal-compression.ts); null: the server's. */
  walCompression: string | null;
}

export interface RangeWalker {
  /** Starts on `range` (claimed just now, its position as the ledger has it). */
  begin(range: RangeRow): void;
  /**
   * One step in one transaction. A step that writes rows evaluates `lockWaiters` (a count of the
   * sessions waiting on its locks) in its ledger write, while its row locks are held, and
   * returns it as blockedSessions.
   */
  step(db: Queryable, lockWaiters: Sql): Promise<StepOutcome>;
  /** The last step hit a timeout: the next one covers fewer rows. Returns the new size. */
  split(): number;
  /** Rows the next step is sized for. */
  readonly size: number;
  /** Ends what the walker holds beyond the lane's session (the page walk's read-ahead session). */
  close(): Promise<void>;
}

/**
 * The settings local to a step's transaction: its timeouts, the join plan its statements need,
 * an asynchronous commit, and the run's WAL compression (a superuser setting the run tried
 * before its first step). A step's COMMIT need not wait for its WAL to reach the disk (or a
 * synchronous standby): its writes and its ledger checkpoint are one transaction, so a server
 * crash can only lose the last few steps whole — data and checkpoint together (PostgreSQL
 * flushes WAL in order, so never a later step without an earlier one) — and the run resumes
 * from the checkpoint that survived and writes those rows again. The page walk commits a round
 * per few hundred rows; waiting for a flush, or a synchronous standby's answer, each time would
 * be most of its cost on a slow disk.
 */
export function stepSettings({ timeouts, walCompression }: Pick<WalkSettings, 'timeouts' | 'walCompression'>): Record<string, string> {
  return {
    statement_timeout: `${timeouts.statementTimeoutMs}ms`,
    lock_timeout: `${timeouts.lockTimeoutMs}ms`,
    synchronous_commit: 'off',
    ...(walCompression === null ? {} : { wal_compression: walCompression }),
    ...BATCH_PLANNER_SETTINGS,
  };
}
