/**
 * The backfill with --workers N: N workers in this process, each on its own connection, and
 * any number of processes (on any hosts) running the same command against the same database,
 * all sharing one run's key ranges. PostgreSQL is the only coordinator; claim.ts explains the
 * locks.
 *
 * One process: a coordinating session (setup, then the final status) and N worker sessions.
 * A worker claims a range, runs its batches (throttled, retried as in the single runner),
 * releases it when done and claims the next. When no range is pending, the worker that takes
 * the convergence lock counts what is left and either opens the next sweep (as ranges again)
 * or marks the run completed; every worker of every process then sees it completed and stops.
 */
import { AlreadyRunningError, PreflightError } from '../errors.js';
import { classifyFailure, planRetry, type RetryAction } from './backoff.js';
import type { BatchOutcome } from './batch.js';
import { chooseRun } from './choose-run.js';
import { aloneOnRun, claimRange, convergeLockKey, releaseRange, runProgress, setupLockKey, trySharedRunLock, tryLock, unlock } from './claim.js';
import { controllerSettings, initialController, observeBatch, type ControllerSettings, type ControllerState } from './controller.js';
import type { BackfillDeps, Session } from './deps.js';
import { directionOps, type DirectionOps } from './direction.js';
import { estimateTotalRows } from './estimate.js';
import { batchEvent } from './events.js';
import { completedResult, failedResult, interruptedResult, recordCompleted, settle, type Ending } from './finish.js';
import { GatedBatches, ThrottleGate, throttleSettings } from './gate.js';
import { addSweepRange, type RangeRow, type RunRow, type Target } from './ledger.js';
import { describeHolder, holderMessage, runnerLockKey } from './lock.js';
import type { BackfillConfig } from './options.js';
import { preflightBackfill, type TableFacts } from './preflight.js';
import { planKeyRanges, rangeCount } from './ranges.js';
import type { BackfillResult } from './result.js';
import { tableNames, TOKEN_USAGES, type TableNames } from './sql.js';
import { judgePass } from './sweep.js';

/** How often an idle worker looks again for a range or for the run's end. */
const IDLE_POLL_MS = 200;

/** A worker stopped by a failure it could not recover from; the others are stopped too. */
class WorkerFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('worker failed');
  }
}

export class WorkerRun {
  private coordinator: Session | null = null;
  private readonly names: TableNames;
  private readonly target: Target;
  private readonly ops: DirectionOps;
  private readonly gate: ThrottleGate;
  private readonly controllerSettings: ControllerSettings;
  private readonly workers: number;
  /** Stops every worker of this process: a signal, or one worker's fatal failure. */
  private readonly stopAll = new AbortController();
  private lockKey = '';
  private convergeKey = '';
  private run: RunRow | null = null;
  private resumed = false;
  private keyedPass = true;
  private completed = false;
  private converged = true;
  private failure: unknown = null;
  private estimatedRows = 0;
  private readonly started: number;
  /** This process's counts, for progress lines (each process reports what it did). */
  private scanned = 0;
  private updated = 0;
  private position: { pass: number; checkpoint: string | null } | null = null;

  constructor(
    private readonly config: BackfillConfig & { workers: number },
    private readonly deps: BackfillDeps,
  ) {
    this.names = tableNames(config.schema, config.stateSchema);
    this.target = { schema: config.schema, table: TOKEN_USAGES };
    this.ops = directionOps(config.reverse);
    this.workers = config.workers;
    this.controllerSettings = controllerSettings(config);
    this.started = deps.clock.now();
    const onAbort = () => this.stopAll.abort(deps.signal.reason);
    if (deps.signal.aborted) onAbort();
    else deps.signal.addEventListener('abort', onAbort, { once: true });
    this.gate = new ThrottleGate(throttleSettings(config), { ...deps, signal: this.stopAll.signal });
  }

  private get db(): Session {
    if (!this.coordinator) throw new Error('no database session');
    return this.coordinator;
  }

  async execute(): Promise<BackfillResult> {
    return settle(
      this.config.connection,
      () => this.main(),
      (error) => failedResult(this.ending(), error),
      async () => {
        const session = this.coordinator;
        this.coordinator = null;
        if (session) await session.end().catch(() => {});
      },
    );
  }

  /** Only the last process out records how the run ended: the others are still working it. */
  private ending(): Ending {
    const db = this.coordinator;
    return { db, names: this.names, deps: this.deps, run: this.run, mayRecord: () => (db ? aloneOnRun(db, this.lockKey).catch(() => false) : Promise.resolve(false)) };
  }

  /** Joins (or creates) the run; serialised between processes by the setup lock. */
  private async setup(facts: TableFacts): Promise<void> {
    const setupKey = await setupLockKey(this.db, this.names);
    // Setup takes milliseconds; poll rather than block so a signal is still honoured.
    while (!(await tryLock(this.db, setupKey))) {
      await this.deps.sleep(50, this.deps.signal);
      if (this.deps.signal.aborted) return;
    }
    try {
      const chosen = await chooseRun(this.db, {
        facts,
        config: this.config,
        deps: this.deps,
        names: this.names,
        target: this.target,
        direction: this.ops.direction,
        recordedOptions: { workers: this.workers, batchSize: this.config.batchSize ?? null, targetBatchMs: this.config.targetBatchMs },
        ranges: planKeyRanges(rangeCount(this.workers)),
        beforeRestart: async (open) => {
          if (!(await aloneOnRun(this.db, this.lockKey))) {
            throw new PreflightError(`--restart refused: other workers are still working run #${open.id}`, {
              hint: 'Stop every backfill process first (or let them finish), then run with --restart.',
            });
          }
        },
      });
      this.run = chosen.run;
      this.resumed = chosen.resumed;
      this.keyedPass = chosen.keyedPass;
      this.estimatedRows = chosen.estimatedRows;
    } finally {
      await unlock(this.db, setupKey).catch(() => {});
    }
  }

  private async main(): Promise<BackfillResult> {
    this.coordinator = await this.deps.connect();
    this.lockKey = await runnerLockKey(this.db, this.config.stateSchema, this.names.usages);
    this.convergeKey = await convergeLockKey(this.db, this.names);
    const facts = await preflightBackfill(this.db, this.config.schema, this.names);
    if (!(await this.joinRunLock())) return this.stopped();
    await this.setup(facts);
    if (!this.run) return this.stopped();
    const run = this.run;
    this.deps.sink({
      event: 'start',
      runId: run.id,
      direction: this.ops.direction,
      workers: this.workers,
      resumed: this.resumed,
      ruleFingerprint: run.ruleFingerprint,
      estimatedRows: this.estimatedRows,
      batchSize: initialController(this.controllerSettings).size,
      targetBatchMs: this.config.targetBatchMs,
      fixedBatchSize: this.config.batchSize !== undefined,
      keyedPass: this.keyedPass,
    });

    await Promise.all(Array.from({ length: this.workers }, (_, i) => this.worker(run.id, i + 1)));

    if (this.failure !== null) throw this.failure;
    if (this.completed) {
      // Another process may have converged the run: the ledger says how it ended.
      return completedResult(this.db, this.ending(), run.id, this.resumed, (latest) => this.converged && !(latest.unconvergedRows !== null && latest.unconvergedRows > 0));
    }
    return this.stopped();
  }

  /** Shared run lock on the coordinating session; false when stopped while waiting (--wait). */
  private async joinRunLock(): Promise<boolean> {
    if (await trySharedRunLock(this.db, this.lockKey)) return true;
    const holder = await describeHolder(this.db, this.lockKey, this.names, this.target);
    if (!this.config.wait) {
      throw new AlreadyRunningError(`a single-runner backfill of ${this.target.schema}.${this.target.table} is running: ${holderMessage(holder)}`, {
        hint: 'Workers cannot join a run started without --workers. Wait for it to finish, or pass --wait to join as soon as it does.',
        details: { holder },
      });
    }
    for (;;) {
      await this.deps.sleep(1_000, this.deps.signal);
      if (this.deps.signal.aborted) return false;
      if (await trySharedRunLock(this.db, this.lockKey)) return true;
    }
  }

  private async stopped(): Promise<BackfillResult> {
    // Worker sessions are closed by now; if no other process is on the run, it is interrupted.
    return interruptedResult({ ...this.ending(), mayRecord: () => aloneOnRun(this.db, this.lockKey) }, this.position);
  }

  private async worker(runId: number, no: number): Promise<void> {
    const w = new Worker(this, runId, no);
    try {
      await w.loop();
    } catch (error) {
      if (this.failure === null) this.failure = error instanceof WorkerFailure ? error.cause : error;
      this.stopAll.abort('failure');
    } finally {
      await w.close();
    }
  }

  // ---- what workers share -------------------------------------------------------------

  get stopSignal(): AbortSignal {
    return this.stopAll.signal;
  }

  markCompleted(converged: boolean): void {
    this.completed = true;
    this.converged = converged;
  }

  sharedContext() {
    return {
      config: this.config,
      deps: this.deps,
      names: this.names,
      ops: this.ops,
      gate: this.gate,
      lockKey: this.lockKey,
      convergeKey: this.convergeKey,
      controllerSettings: this.controllerSettings,
      workers: this.workers,
    };
  }

  /** Progress of this process, for the batch event. */
  countBatch(range: RangeRow, outcome: BatchOutcome): { scanned: number; updated: number; estimated: number; rate: number | null } {
    if (range.pass === 0) this.scanned += outcome.scanned;
    this.updated += outcome.updated;
    this.position = { pass: range.pass, checkpoint: outcome.checkpoint };
    this.estimatedRows = estimateTotalRows({ catalogRows: this.estimatedRows, done: this.scanned, fraction: 0 });
    const elapsed = this.deps.clock.now() - this.started;
    const rate = elapsed > 0 && this.scanned > 0 ? (this.scanned * 1000) / elapsed : null;
    return { scanned: this.scanned, updated: this.updated, estimated: this.estimatedRows, rate };
  }
}

class Worker {
  private session: Session | null = null;
  private controller: ControllerState;
  private failures = 0;
  private readonly batches: GatedBatches;
  private readonly ctx: ReturnType<WorkerRun['sharedContext']>;
  private readonly claimedBy: string;

  constructor(
    private readonly owner: WorkerRun,
    private readonly runId: number,
    private readonly no: number,
  ) {
    this.ctx = owner.sharedContext();
    this.controller = initialController(this.ctx.controllerSettings);
    const { config, deps, names, ops, gate } = this.ctx;
    const timeouts = { statementTimeoutMs: config.statementTimeout, lockTimeoutMs: config.lockTimeout };
    this.batches = new GatedBatches(gate, ops, names, timeouts, deps.clock);
    this.claimedBy = `${this.ctx.deps.host} pid ${this.ctx.deps.pid} worker ${no}`;
  }

  private get stopped(): boolean {
    return this.owner.stopSignal.aborted;
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    // Ending the session releases its range lock and its share of the run lock.
    if (session) await session.end().catch(() => {});
  }

  /** A worker session holds the run lock shared too: while any worker lives, no single runner starts. */
  private async open(): Promise<Session> {
    const session = await this.ctx.deps.connect();
    try {
      if (!(await trySharedRunLock(session, this.ctx.lockKey))) {
        throw new AlreadyRunningError('a single-runner backfill took the run while this worker was reconnecting; this process stops', {
          hint: 'Let it finish; it continues the same run from its checkpoints.',
        });
      }
    } catch (error) {
      await session.end().catch(() => {});
      throw error;
    }
    this.session = session;
    return session;
  }

  async loop(): Promise<void> {
    while (!this.stopped) {
      const db = this.session ?? (await this.connectWithRetries());
      if (!db) return;
      try {
        if (await this.step(db)) return;
      } catch (error) {
        if (error instanceof WorkerFailure) throw error;
        const action = classifyFailure(error);
        if (action === 'fatal') throw error;
        await this.backoff(error, action);
        if (action === 'reconnect') await this.close();
      }
    }
  }

  /** Claims and works one range, or waits, or converges. True when the run is over. */
  private async step(db: Session): Promise<boolean> {
    const range = await claimRange(db, this.ctx.names, this.runId, this.claimedBy);
    if (range) {
      this.ctx.deps.sink({ event: 'worker', runId: this.runId, worker: this.no, rangeNo: range.rangeNo, pass: range.pass, action: 'claimed' });
      await this.work(range);
      return false;
    }
    const progress = await runProgress(db, this.ctx.names, this.runId);
    if (progress.status === 'completed') {
      this.owner.markCompleted(true);
      return true;
    }
    if (progress.status === 'abandoned') {
      throw new PreflightError(`run #${this.runId} was abandoned (--restart) by another process while this one worked on it`, {
        hint: 'Run the same command again to join the new run.',
      });
    }
    if (progress.pendingRanges === 0 && (await tryLock(db, this.ctx.convergeKey))) {
      try {
        return await this.converge(db);
      } finally {
        await unlock(db, this.ctx.convergeKey).catch(() => {});
      }
    }
    // Every pending range is someone else's, or another worker is converging.
    await this.ctx.deps.sleep(IDLE_POLL_MS, this.owner.stopSignal);
    return false;
  }

  /** Runs one range's batches until it is done, the session is lost, or the run stops. */
  private async work(range: RangeRow): Promise<void> {
    let current = range;
    let scannedInPass = range.rowsScanned;
    for (;;) {
      if (this.stopped) return;
      const outcome = await this.batchWithRetries(current);
      // Lost the session (and with it the range), or stopping: claim again from the ledger.
      if (outcome === null) return;
      const sizeUsed = this.controller.size;
      this.controller = observeBatch(this.controller, this.ctx.controllerSettings, { rows: outcome.scanned, ms: outcome.ms });
      scannedInPass += outcome.scanned;
      const totals = this.owner.countBatch(current, outcome);
      this.ctx.deps.sink(
        batchEvent({
          runId: this.runId,
          range: current,
          batchSize: sizeUsed,
          outcome,
          passScanned: totals.scanned,
          totalScanned: totals.scanned,
          totalUpdated: totals.updated,
          estimatedRows: totals.estimated,
          rowsPerSecond: totals.rate,
        }),
      );
      if (outcome.rangeDone) {
        if (this.session) await releaseRange(this.session, this.ctx.names, this.runId, current.rangeNo).catch(() => {});
        this.ctx.deps.sink({ event: 'worker', runId: this.runId, worker: this.no, rangeNo: current.rangeNo, pass: current.pass, action: 'done' });
        return;
      }
      current = { ...current, checkpoint: outcome.checkpoint, rowsScanned: scannedInPass };
    }
  }

  /** After a pass: sweep again, or finish the run. Called holding the convergence lock. True when the run is over. */
  private async converge(db: Session): Promise<boolean> {
    const { names, ops, config } = this.ctx;
    const progress = await runProgress(db, names, this.runId);
    if (progress.status === 'completed') {
      this.owner.markCompleted(true);
      return true;
    }
    if (progress.pendingRanges > 0) return false;
    const { remaining, converged, next } = await judgePass(db, names, ops, this.runId, config.convergePasses, this.ctx.deps.sink);
    if (next !== null) {
      await addSweepRange(db, names, this.runId, next, planKeyRanges(rangeCount(this.ctx.workers)));
      return false;
    }
    await recordCompleted(db, names, ops, this.runId, remaining);
    this.owner.markCompleted(converged);
    return true;
  }

  private async connectWithRetries(): Promise<Session | null> {
    for (;;) {
      if (this.stopped) return null;
      try {
        return await this.open();
      } catch (error) {
        // A wrong password or a single runner holding the run is fatal; an unreachable server is not.
        if (classifyFailure(error) === 'fatal') throw error;
        await this.backoff(error, 'reconnect');
      }
    }
  }

  private async backoff(error: unknown, action: RetryAction): Promise<void> {
    const { config, deps } = this.ctx;
    const retry = planRetry({
      error,
      action,
      attempt: (this.failures += 1),
      maxRetries: config.maxRetries,
      controller: this.controller,
      random: deps.random,
      runId: this.runId,
      connection: config.connection,
      resumeCommand: deps.resumeCommand,
      who: `worker ${this.no} of run #${this.runId}`,
      stops: 'it',
    });
    this.controller = retry.controller;
    deps.sink(retry.event);
    if (retry.delayMs > 0) await deps.sleep(retry.delayMs, this.owner.stopSignal);
  }

  /**
   * One batch of `range`, retrying what is retryable on the same session. Returns null when
   * the session was lost (the range lock went with it: the caller claims again, possibly the
   * same range, from the ledger's checkpoint) or when the run is stopping.
   */
  private async batchWithRetries(range: RangeRow): Promise<BatchOutcome | null> {
    for (;;) {
      const db = this.session;
      if (!db || this.stopped) return null;
      try {
        const outcome = await this.batches.next(db, this.runId, range, this.controller.size, this.owner.stopSignal);
        if (outcome) this.failures = 0;
        return outcome;
      } catch (error) {
        const action = classifyFailure(error);
        if (action === 'fatal') throw new WorkerFailure(error);
        await this.backoff(error, action);
        if (action === 'reconnect') {
          await this.close();
          return null;
        }
      }
    }
  }
}

export async function executeWorkers(config: BackfillConfig & { workers: number }, deps: BackfillDeps): Promise<BackfillResult> {
  return new WorkerRun(config, deps).execute();
}
