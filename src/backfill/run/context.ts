/** What the lanes of one process share: the run, its settings, the throttle, and where they report. */
import type { TranslateContext } from '../../db/pg-errors.js';
import type { Connector, Queryable } from '../../db/port.js';
import type { KeyRange, RangeRow } from '../../ledger/rows.js';
import type { Tables } from '../../names.js';
import type { Runtime } from '../../runtime.js';
import type { ScanSink } from '../../scan/events.js';
import type { BackfillEvent } from '../events.js';
import type { BackfillConfig } from '../options.js';
import type { ControllerSettings } from '../policy/controller.js';
import type { DirectionOps } from '../sql/direction.js';
import type { BatchOutcome } from './batch.js';
import type { ThrottleGate } from './gate.js';

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
  /** The run's start (max_created_at_at_start): rows created after it were inserted since. */
  readonly runStartedAt: Date;
  /** Which walk counts the rows that existed at the run's start (choose-run.ts); null: none. */
  readonly rowsAtStartFrom: 'keyed pass' | 'first count' | null;
  readonly convergeLock: string;
  /** Ranges a new sweep pass is cut into. */
  readonly sweepRanges: readonly KeyRange[];
  /** Aborted by a signal or by one lane's fatal failure: every lane stops. */
  readonly stop: AbortSignal;
  readonly translateContext: TranslateContext;
  /** A lane owns `range` now (its session `db`). */
  rangeClaimed(db: Queryable, lane: number, range: RangeRow): Promise<void>;
  /** A committed batch: progress, position and the `batch` event. */
  batchDone(db: Queryable | null, range: RangeRow, batchSize: number, outcome: BatchOutcome): Promise<void>;
  rangeDone(lane: number, range: RangeRow): void;
  markCompleted(converged: boolean): void;
}
