/**
 * The backfill engine's coordinator: preflight, the run lock, choosing (or resuming) the run,
 * the start event, the lanes, and how the run ends. The single runner is this coordinator with
 * one lane on its own session, which holds the run lock exclusively; --workers N is this
 * coordinator with N lanes on sessions of their own, each holding the run lock shared, so
 * processes on other hosts can join with lanes of theirs. PostgreSQL is the only coordinator
 * between processes: the ledger, the run lock and the range locks (src/ledger/ranges.ts).
 */
import { noOtherHolder, releaseAdvisoryLock, withTransactionLock, type LockMode } from '../../db/advisory-lock.js';
import type { Queryable, Session } from '../../db/port.js';
import { translatePgError, type TranslateContext } from '../../db/pg-errors.js';
import { PreflightError } from '../../errors.js';
import { currentPassRanges } from '../../ledger/ranges.js';
import type { RangePlan, RangeRow, RowsAtStartFrom, RunRow, Walk } from '../../ledger/rows.js';
import { tables as tablesOf, target as targetOf, type Tables, type Target } from '../../names.js';
import { batchEvent } from '../events.js';
import type { BackfillConfig } from '../options.js';
import { controllerSettings, initialSize, type ControllerSettings } from '../policy/controller.js';
import { PassProgress } from '../policy/pass-progress.js';
import { planKeyRanges, planPageRanges, rangeCount, walkFor } from '../policy/ranges.js';
import type { BackfillResult, StopPosition } from '../result.js';
import { directionOps, type DirectionOps } from '../sql/direction.js';
import { chooseRun } from './choose-run.js';
import type { BackfillDeps, EngineContext } from './context.js';
import { completedResult, failedResult, interruptedResult, type Ending, type StopCause } from './finish.js';
import { ThrottleGate, throttleSettings } from './gate.js';
import { readServerVersion } from '../../db/server-version.js';
import { checkpointPace, heapPages } from './server-facts.js';
import { runWalCompression, type RunWalCompression } from './wal-compression.js';
import { Lane } from './lane.js';
import { preflightBackfill } from './preflight.js';
import { acquireRunLock, convergeLockName, describeRunLockHolders, runLockName, setupLockName } from './run-lock.js';
import { SessionSlot } from './session-slot.js';
import type { StepOutcome } from '../step.js';
import type { WalkSettings } from './walker.js';
import type { CheckpointPace } from '../policy/rounds.js';

/**
 * The settings kept with a run in the ledger for a person to read, the same for the single
 * runner and workers. Nothing reads them back: what the toolkit needs about a run (its walk, the
 * fixed batch size) has a column of its own.
 */
export function recordedOptions(config: BackfillConfig): Record<string, unknown> {
  return {
    batchSizeMin: config.batchSizeMin,
    batchSizeMax: config.batchSizeMax,
    targetBatchMs: config.targetBatchMs,
    lockTimeoutMs: config.lockTimeoutMs,
    statementTimeoutMs: config.statementTimeoutMs,
    maxRetries: config.maxRetries,
    convergePasses: config.convergePasses,
    workers: config.workers ?? null,
    maxReplicationLagMs: config.maxReplicationLagMs,
    maxReplicationLagBytes: config.maxReplicationLagBytes,
    maxRowsPerSecond: config.maxRowsPerSecond ?? null,
    pauseMs: config.pauseMs,
  };
}

/** Why the lanes stopped early: a signal, or `aibridge-migrate cancel` seen by the gate. */
function stopCause(signal: AbortSignal): StopCause {
  return signal.reason === 'SIGTERM' ? 'SIGTERM' : signal.reason === 'cancel' ? 'cancel' : 'SIGINT';
}

export class Coordinator implements EngineContext {
  readonly tables: Tables;
  readonly ops: DirectionOps;
  readonly gate: ThrottleGate;
  private readonly baseControllerSettings: ControllerSettings;
  readonly convergeLock: string;
  readonly translateContext: TranslateContext;
  private readonly target: Target;
  private readonly runLock: string;
  private readonly lockMode: LockMode;
  /** The single runner: its lane works on this slot's session. */
  private readonly slot: SessionSlot;
  /** Stops every lane of this process: a signal, or one lane's fatal failure. */
  private readonly stopAll = new AbortController();
  private run: RunRow | null = null;
  private resumed = false;
  private firstPass = true;
  private estimatedRows = 0;
  private completed = false;
  private converged = true;
  private position: StopPosition | null = null;
  /** The run's totals as the last recorded step left them. */
  private totals = { rowsScanned: 0, rowsUpdated: 0 };
  private progress: PassProgress | null = null;
  private pace: CheckpointPace = { walBytes: Number.POSITIVE_INFINITY, timeoutMs: Number.POSITIVE_INFINITY, hintsLogged: true };
  private walCompression: RunWalCompression = { set: null, why: null };

  constructor(
    readonly config: BackfillConfig,
    readonly deps: BackfillDeps,
    /** Given for the error messages that name the database (host:port/database). */
    databaseLabel: TranslateContext,
  ) {
    this.tables = tablesOf(config.schema, config.stateSchema);
    this.target = targetOf(config.schema);
    this.ops = directionOps(config.reverse);
    this.baseControllerSettings = controllerSettings(config);
    this.runLock = runLockName(config.stateSchema, this.tables);
    this.convergeLock = convergeLockName(this.tables);
    this.lockMode = config.workers === undefined ? 'exclusive' : 'shared';
    this.translateContext = databaseLabel;
    this.slot = new SessionSlot(deps.connect, this.runLock, this.lockMode);
    const onAbort = () => this.stopAll.abort(deps.signal.reason);
    if (deps.signal.aborted) onAbort();
    else deps.signal.addEventListener('abort', onAbort, { once: true });
    this.gate = new ThrottleGate(throttleSettings(config), {
      ...deps,
      signal: this.stopAll.signal,
      cancel: () => this.stopAll.abort('cancel'),
    });
  }

  /** Read by the lanes before sizing each batch: `throttle --target-batch-ms` changes the aim. */
  get controllerSettings(): ControllerSettings {
    const target = this.gate.targetBatchMs;
    return target === null ? this.baseControllerSettings : { ...this.baseControllerSettings, targetMs: target };
  }

  get runId(): number {
    return this.chosenRun().id;
  }

  get runStartedAt(): Date {
    // Runs recorded before the start instant was kept have the newest created_at they saw.
    return this.chosenRun().maxCreatedAtAtStart ?? this.chosenRun().startedAt;
  }

  get rowsAtStartFrom(): RowsAtStartFrom | null {
    return this.chosenRun().rowsAtStartFrom;
  }

  get walk(): Walk {
    return this.chosenRun().walk;
  }

  get walkSettings(): WalkSettings {
    return {
      ops: this.ops,
      tables: this.tables,
      timeouts: { statementTimeoutMs: this.config.statementTimeoutMs, lockTimeoutMs: this.config.lockTimeoutMs },
      clock: this.deps.clock,
      runStartedAt: this.runStartedAt,
      firstPassCountsRowsAtStart: this.rowsAtStartFrom === 'first pass',
      pace: this.pace,
      // Read live: `throttle` changes the rate while the run goes on.
      maxRowsPerSecond: () => this.gate.maxRowsPerSecond,
      // One lane only: with --workers the lanes already overlap one another's reads and writes.
      readAhead:
        this.config.readAhead !== 'off' && this.config.workers === undefined
          ? { connect: this.deps.connect, mode: this.config.readAhead }
          : null,
      walCompression: this.walCompression.set,
    };
  }

  /**
   * The ranges a pass of `walk` is cut into: one for the single runner, several for workers
   * (other processes can then join). A page walk's cover the heap's pages as it is now.
   */
  async passRanges(db: Queryable, walk: Walk = this.walk): Promise<RangePlan[]> {
    const count = this.config.workers === undefined ? 1 : rangeCount(this.config.workers);
    if (walk === 'key') return count === 1 ? [{ lo: null, hi: null }] : planKeyRanges(count);
    return planPageRanges(count, await heapPages(db, this.tables.usages));
  }

  private chosenRun(): RunRow {
    if (!this.run) throw new Error('no run chosen yet');
    return this.run;
  }

  get stop(): AbortSignal {
    return this.stopAll.signal;
  }

  async execute(): Promise<BackfillResult> {
    try {
      return await this.main();
    } catch (raw) {
      return await failedResult(this.ending(), translatePgError(raw, { ...this.translateContext, action: 'running the backfill' }));
    } finally {
      // The lanes' sessions are closed by now; this one goes last: the ending is written through it.
      await this.slot.close();
    }
  }

  private ending(): Ending {
    const db = this.slot.current;
    return {
      db,
      clock: this.deps.clock,
      names: this.tables,
      sink: this.deps.sink,
      resumeCommand: this.deps.resumeCommand,
      where: this.config.connection.label,
      run: this.run,
      mayRecord: () => (db ? this.lastOut(db).catch(() => false) : Promise.resolve(false)),
    };
  }

  /**
   * Whether this process is the last one on the run, and so records how it ended. Decided under
   * the setup lock after letting go of its own run lock: of processes stopping together (a
   * `cancel` reaches them all within a batch) exactly the last sees no other holder; checking
   * without it, each could see the others and none would record.
   */
  private async lastOut(db: Queryable): Promise<boolean> {
    const wait = { signal: AbortSignal.timeout(10_000), sleep: this.deps.sleep, pollMs: 50 };
    const last = await withTransactionLock(db, setupLockName(this.tables), wait, async (tx) => {
      await releaseAdvisoryLock(tx, this.runLock, this.lockMode);
      return noOtherHolder(tx, this.runLock);
    });
    return last ? last.value : noOtherHolder(db, this.runLock);
  }

  private async main(): Promise<BackfillResult> {
    const { config, deps } = this;
    const session = await deps.connect();
    this.slot.adopt(session);
    // Before the run lock: a role that could never do the job hears so even while another backfill runs.
    const facts = await preflightBackfill(session, config.schema, this.tables);
    this.walCompression = await runWalCompression(session, config.walCompression);
    const locked = await acquireRunLock(session, this.runLock, {
      mode: this.lockMode,
      wait: config.wait,
      signal: this.stop,
      sleep: deps.sleep,
      table: `${this.target.schema}.${this.target.table}`,
      describe: () => describeRunLockHolders(session, this.runLock, this.tables, this.target, this.ops.direction),
    });
    if (!locked) return this.stopped();
    if (!(await this.setup(session, facts.catalogRows))) return this.stopped();
    this.pace = await checkpointPace(session);
    const run = this.run!;
    this.progress = new PassProgress(this.estimatedRows);
    deps.sink({
      event: 'start',
      runId: run.id,
      direction: this.ops.direction,
      walk: run.walk,
      workers: config.workers ?? null,
      resumed: this.resumed,
      ruleFingerprint: run.ruleFingerprint,
      estimatedRows: this.estimatedRows,
      batchSize: initialSize(this.controllerSettings),
      targetBatchMs: config.targetBatchMs,
      fixedBatchSize: config.batchSize !== undefined,
      keyedPass: this.firstPass,
      walCompression: this.walCompression,
    });

    const slots =
      config.workers === undefined
        ? [this.slot]
        : Array.from({ length: config.workers }, () => new SessionSlot(deps.connect, this.runLock, 'shared'));
    let failure: unknown = null;
    await Promise.all(
      slots.map(async (slot, i) => {
        try {
          await new Lane(this, slot, i + 1).loop();
        } catch (error) {
          failure ??= error;
          this.stopAll.abort('failure');
        } finally {
          if (slot !== this.slot) await slot.close();
        }
      }),
    );
    if (failure !== null) throw failure;
    if (!this.completed) return this.stopped();
    // A lane of another process may have converged the run: the ledger says how it ended.
    const db = await this.recordingSession();
    return completedResult(
      { ...this.ending(), db, run },
      this.resumed,
      (latest) => this.converged && !(latest.unconvergedRows !== null && latest.unconvergedRows > 0),
    );
  }

  /**
   * Joins (or creates) the run, in one transaction that holds the setup lock: serialised between
   * processes. False when stopped while waiting.
   */
  private async setup(db: Session, catalogRows: number): Promise<boolean> {
    // Setup takes milliseconds; poll rather than block so a signal is still honoured.
    const wait = { signal: this.stop, sleep: this.deps.sleep, pollMs: 50 };
    const chosen = await withTransactionLock(db, setupLockName(this.tables), wait, async (tx) => {
      const version = (await readServerVersion(tx)).num;
      const walk = walkFor(this.config.walk, version);
      if (walk === null) {
        throw new PreflightError(
          `--walk page needs PostgreSQL 14 or newer (TID range scans); this server is ${Math.floor(version / 10000)}`,
          { hint: 'Leave --walk at auto (the key walk on this server), or pass --walk key.' },
        );
      }
      return chooseRun(tx, {
        restart: this.config.restart,
        host: this.deps.host,
        pid: this.deps.pid,
        names: this.tables,
        target: this.target,
        direction: this.ops.direction,
        recordedOptions: recordedOptions(this.config),
        fixedBatchSize: this.config.batchSize ?? null,
        walk,
        ranges: await this.passRanges(tx, walk),
        catalogRows,
        beforeRestart: async (open) => {
          if (!(await noOtherHolder(tx, this.runLock))) {
            throw new PreflightError(`--restart refused: other workers are still working run #${open.id}`, {
              hint: 'Stop every backfill process first (or let them finish), then run with --restart.',
            });
          }
        },
      });
    });
    if (!chosen) return false;
    this.run = chosen.value.run;
    this.resumed = chosen.value.resumed;
    this.firstPass = chosen.value.firstPass;
    this.estimatedRows = chosen.value.estimatedRows;
    return true;
  }

  /**
   * The coordinator's session, for writing how the run ended. The single runner's lane may have
   * replaced it after a connection loss; a worker process's has idled through the run and may
   * have been ended by a failover or a DBA: open it again then.
   */
  private async recordingSession(): Promise<Queryable> {
    const current = this.slot.current;
    if (current) {
      try {
        await current.query('SELECT 1');
        return current;
      } catch {
        await this.slot.close();
      }
    }
    return this.slot.open();
  }

  private async stopped(): Promise<BackfillResult> {
    const db = this.run ? await this.recordingSession().catch(() => null) : this.slot.current;
    return interruptedResult({ ...this.ending(), db }, stopCause(this.stopAll.signal), this.position);
  }

  async rangeClaimed(db: Queryable, lane: number, range: RangeRow): Promise<void> {
    this.laneEvent(lane, range, 'claimed');
    const now = this.deps.clock.now();
    if (this.progress!.stale(range.pass, now)) await this.refreshProgress(db, range.runId, now);
  }

  /** Other processes' ranges from the ledger, a few seconds late at most. */
  private async refreshProgress(db: Queryable, runId: number, now: number): Promise<void> {
    this.progress!.refresh(await currentPassRanges(db, this.tables, runId), now);
  }

  async batchDone(db: Queryable | null, range: RangeRow, outcome: StepOutcome): Promise<void> {
    const { position } = outcome;
    this.position = {
      pass: range.pass,
      checkpoint: position.walk === 'key' ? position.checkpoint : null,
      nextPage: position.walk === 'page' ? position.next : null,
    };
    if (outcome.run) this.totals = outcome.run;
    const progress = this.progress!;
    const now = this.deps.clock.now();
    if (db && progress.stale(range.pass, now)) {
      // The ledger already holds this step.
      await this.refreshProgress(db, range.runId, now);
    } else {
      progress.observe(range, outcome);
    }
    this.deps.sink(batchEvent({ runId: range.runId, range, outcome, totals: this.totals, progress: progress.snapshot(now) }));
  }

  rangeDone(lane: number, range: RangeRow): void {
    this.laneEvent(lane, range, 'done');
  }

  private laneEvent(lane: number, range: RangeRow, action: 'claimed' | 'done'): void {
    // Ranges and lanes are a --workers concern; a single runner's events stay as they were.
    if (this.config.workers === undefined) return;
    this.deps.sink({ event: 'worker', runId: range.runId, worker: lane, rangeNo: range.rangeNo, pass: range.pass, action });
  }

  markCompleted(converged: boolean): void {
    this.completed = true;
    this.converged = converged;
  }
}

export async function executeBackfill(
  config: BackfillConfig,
  deps: BackfillDeps,
  databaseLabel: TranslateContext,
): Promise<BackfillResult> {
  return new Coordinator(config, deps, databaseLabel).execute();
}
