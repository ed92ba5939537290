/** What the lanes of one process share: the run, its settings, the throttle, and where they report. */
import type { TranslateContext } from '../../db/pg-errors.js';
import type { Connector, Queryable } from '../../db/port.js';
import type { RangePlan, RangeRow, RowsAtStartFrom, Walk } from '../../ledger/rows.js';
import type { Tables } from '../../names.js';
import type { Runtime } from '../../runtime.js';
import type { ScanSink } from '../../scan/events.js';
import type { BackfillEvent } from '../events.js';
import type { BackfillConfig } from '../options.js';
import type { ControllerSettings } from '../policy/controller.js';
import type { DirectionOps } from '../sql/direction.js';
import type { ThrottleGate } from './gate.js';
import type { StepOutcome } from '../step.js';
import type { WalkSettings } from './walker.js';

/** The backfill's I/O, passed in so tests can drive time, randomness and connections. */
export interface BackfillDeps extends Runtime {
  /** Opens a database session; called again after a connection loss. */
  connect: Connector;
  /** Progress events (start, batch, retry, pause, worker, converge, finish). */
  sink: (event: BackfillEvent) => void;
  /** --dry-run's progress: it reads the table like verify (src/scan/events.ts). */
  scanSink?: ScanSink;
  /** Aborted with reason 'SIGINT' or 'SIGTERM' to stop after the current batch. */
  signal: AbortSignal;
  host: string;
  pid: number;
  /** The command that resumes this run, printed when it stops early. */
  resumeCommand: string;
}

export interface EngineContext {
  readonly config: BackfillConfig;
  readonly deps: BackfillDeps;
  readonly tables: Tables;
  readonly ops: DirectionOps;
  readonly gate: ThrottleGate;
  readonly controllerSettings: ControllerSettings;
  readonly runId: number;
  /** How the run walks the table. */
  readonly walk: Walk;
  /** What a lane's walker needs (sizes, timeouts, statements). */
  readonly walkSettings: WalkSettings;
  /** The run's start (max_created_at_at_start): rows created after it were inserted since. */
  readonly runStartedAt: Date;
  /** Which walk counts the rows that existed at the run's start; null: none. */
  readonly rowsAtStartFrom: RowsAtStartFrom | null;
  readonly convergeLock: string;
  /** The ranges a new pass is cut into, planned now (a page walk's from the heap's size). */
  passRanges(db: Queryable): Promise<RangePlan[]>;
  /** Aborted by a signal or by one lane's fatal failure: every lane stops. */
  readonly stop: AbortSignal;
  readonly translateContext: TranslateContext;
  /** A lane owns `range` now (its session `db`). */
  rangeClaimed(db: Queryable, lane: number, range: RangeRow): Promise<void>;
  /** A committed step: progress, position and the `batch` event. */
  batchDone(db: Queryable | null, range: RangeRow, outcome: StepOutcome): Promise<void>;
  rangeDone(lane: number, range: RangeRow): void;
  markCompleted(converged: boolean): void;
}
