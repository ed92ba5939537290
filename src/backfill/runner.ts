/**
 * The backfill run: lock, preflight, choose or create the run, then batches until every range
 * of every pass is done, with retries, interruption and convergence sweeps.
 */
import { AlreadyRunningError } from '../errors.js';
import { classifyFailure, planRetry } from './backoff.js';
import type { BatchOutcome } from './batch.js';
import { chooseRun } from './choose-run.js';
import { controllerSettings, initialController, observeBatch, type ControllerSettings, type ControllerState } from './controller.js';
import type { BackfillDeps, Session } from './deps.js';
import { directionOps, type DirectionOps } from './direction.js';
import { batchEvent } from './events.js';
import { GatedBatches, ThrottleGate, throttleSettings } from './gate.js';
import { estimateTotalRows, keyFraction } from './estimate.js';
import { completedResult, failedResult, interruptedResult, recordCompleted, settle, type Ending } from './finish.js';
import { addSweepRange, nextPendingRange, type RangeRow, type RunRow, type Target } from './ledger.js';
import { acquireRunnerLock, runnerLockKey, tryRunnerLock } from './lock.js';
import type { BackfillConfig } from './options.js';
import { preflightBackfill, type TableFacts } from './preflight.js';
import type { BackfillResult } from './result.js';
import { tableNames, TOKEN_USAGES, type TableNames } from './sql.js';
import { judgePass } from './sweep.js';

/** The options worth keeping with the run, for a DBA reading the ledger. */
function recordedOptions(config: BackfillConfig): Record<string, unknown> {
  return {
    batchSize: config.batchSize ?? null,
    batchSizeMin: config.batchSizeMin,
    batchSizeMax: config.batchSizeMax,
    targetBatchMs: config.targetBatchMs,
    lockTimeoutMs: config.lockTimeout,
    statementTimeoutMs: config.statementTimeout,
    maxRetries: config.maxRetries,
    convergePasses: config.convergePasses,
    workers: config.workers ?? null,
    maxReplicationLagMs: config.maxReplicationLag,
    maxRowsPerSecond: config.maxRowsPerSecond ?? null,
    pauseMs: config.pauseMs,
  };
}

class Runner {
  private session: Session | null = null;
  /** Whether `session` holds the runner lock: without it, the ledger belongs to someone else. */
  private holdsLock = false;
  private lockKey = '';
  private readonly names: TableNames;
  private readonly target: Target;
  private readonly controllerSettings: ControllerSettings;
  private controller: ControllerState;
  private run: RunRow | null = null;
  private facts: TableFacts | null = null;
  private position: { pass: number; checkpoint: string | null } | null = null;
  private estimatedRows = 0;
  private sessionStart = 0;
  private sessionScanned = 0;
  /** Consecutive failed attempts; reset by a committed batch, so reconnect loops are bounded too. */
  private failures = 0;
  private readonly ops: DirectionOps;
  private readonly batches: GatedBatches;

  constructor(
    private readonly config: BackfillConfig,
    private readonly deps: BackfillDeps,
  ) {
    this.names = tableNames(config.schema, config.stateSchema);
    this.target = { schema: config.schema, table: TOKEN_USAGES };
    this.controllerSettings = controllerSettings(config);
    this.controller = initialController(this.controllerSettings);
    this.ops = directionOps(config.reverse);
    const timeouts = { statementTimeoutMs: config.statementTimeout, lockTimeoutMs: config.lockTimeout };
    this.batches = new GatedBatches(new ThrottleGate(throttleSettings(config), deps), this.ops, this.names, timeouts, deps.clock);
  }

  private get db(): Session {
    if (!this.session) throw new Error('no database session');
    return this.session;
  }

  async execute(): Promise<BackfillResult> {
    return settle(
      this.config.connection,
      () => this.main(),
      (error) => failedResult({ ...this.ending(), db: this.holdsLock ? this.session : null }, error),
      () => this.closeSession(),
    );
  }

  /** Holding the runner lock, this process alone writes the run's status. */
  private ending(): Ending {
    return { db: this.session, names: this.names, deps: this.deps, run: this.run, mayRecord: async () => true };
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = null;
    this.holdsLock = false;
    // Ending the session releases the advisory lock with it.
    if (session) await session.end().catch(() => {});
  }

  /**
   * Connects and takes the runner lock. The first connection preflights before it locks (and
   * only it may `wait`); a reconnection only retakes the lock.
   */
  private async openSession(first: boolean): Promise<boolean> {
    this.session = await this.deps.connect();
    if (!this.lockKey) this.lockKey = await runnerLockKey(this.db, this.config.stateSchema, this.names.usages);
    if (first) {
      this.facts = await preflightBackfill(this.db, this.config.schema, this.names);
      await acquireRunnerLock(this.db, this.lockKey, this.names, this.target, {
        wait: this.config.wait,
        signal: this.deps.signal,
        clock: this.deps.clock,
        sleep: this.deps.sleep,
      });
      this.holdsLock = !this.deps.signal.aborted;
      return this.holdsLock;
    }
    this.holdsLock = await tryRunnerLock(this.db, this.lockKey);
    if (!this.holdsLock) {
      throw new AlreadyRunningError('after reconnecting, another backfill had taken the runner lock; this one stops', {
        hint: 'Let the other run finish; it resumes this run from its last checkpoint.',
      });
    }
    return true;
  }

  private async main(): Promise<BackfillResult> {
    if (!(await this.openSession(true))) return interruptedResult(this.ending(), null);

    const chosen = await chooseRun(this.db, {
      facts: this.facts!,
      config: this.config,
      deps: this.deps,
      names: this.names,
      target: this.target,
      direction: this.ops.direction,
      recordedOptions: recordedOptions(this.config),
    });
    this.run = chosen.run;
    this.estimatedRows = chosen.estimatedRows;
    const resumed = chosen.resumed;
    const runId = this.run.id;
    this.deps.sink({
      event: 'start',
      runId,
      direction: this.ops.direction,
      workers: null,
      resumed,
      ruleFingerprint: this.run.ruleFingerprint,
      estimatedRows: this.estimatedRows,
      batchSize: this.controller.size,
      targetBatchMs: this.config.targetBatchMs,
      fixedBatchSize: this.config.batchSize !== undefined,
      keyedPass: chosen.keyedPass,
    });
    this.sessionStart = this.deps.clock.now();

    let totals = { scanned: this.run.rowsScanned, updated: this.run.rowsUpdated };
    let range = await nextPendingRange(this.db, this.names, runId);
    let passScanned = range?.rowsScanned ?? 0;
    let unconverged: number | null = null;
    let converged = false;

    for (;;) {
      if (this.deps.signal.aborted) return interruptedResult({ ...this.ending(), db: this.db }, this.position);
      if (!range) {
        const { remaining, converged: done, next } = await judgePass(this.db, this.names, this.ops, runId, this.config.convergePasses, this.deps.sink);
        converged = done;
        if (next === null) {
          unconverged = remaining;
          break;
        }
        await addSweepRange(this.db, this.names, runId, next);
        range = await nextPendingRange(this.db, this.names, runId);
        passScanned = 0;
        continue;
      }

      const outcome = await this.batchWithRetries(runId, range);
      if (outcome === null) {
        // A failure left the checkpoint where the ledger says it is: start over from there.
        range = await nextPendingRange(this.db, this.names, runId);
        passScanned = range?.rowsScanned ?? passScanned;
        continue;
      }
      this.sessionScanned += outcome.scanned;
      passScanned += outcome.scanned;
      totals = {
        scanned: totals.scanned + (range.pass === 0 ? outcome.scanned : 0),
        updated: totals.updated + outcome.updated,
      };
      this.position = { pass: range.pass, checkpoint: outcome.checkpoint };
      const sizeUsed = this.controller.size;
      this.controller = observeBatch(this.controller, this.controllerSettings, { rows: outcome.scanned, ms: outcome.ms });
      this.emitBatch(runId, range, sizeUsed, outcome, passScanned, totals);
      range = outcome.rangeDone
        ? await nextPendingRange(this.db, this.names, runId)
        : { ...range, checkpoint: outcome.checkpoint, rowsScanned: range.rowsScanned + outcome.scanned };
      if (range && outcome.rangeDone) passScanned = range.rowsScanned;
    }

    await recordCompleted(this.db, this.names, this.ops, runId, unconverged);
    return completedResult(this.db, this.ending(), runId, resumed, () => converged);
  }

  private emitBatch(
    runId: number,
    range: RangeRow,
    batchSize: number,
    outcome: BatchOutcome,
    passScanned: number,
    totals: { scanned: number; updated: number },
  ): void {
    const fraction = outcome.rangeDone ? 1 : outcome.checkpoint ? keyFraction(outcome.checkpoint) : 0;
    this.estimatedRows = estimateTotalRows({ catalogRows: this.estimatedRows, done: passScanned, fraction });
    const elapsed = this.deps.clock.now() - this.sessionStart;
    const rate = elapsed > 0 && this.sessionScanned > 0 ? (this.sessionScanned * 1000) / elapsed : null;
    this.deps.sink(
      batchEvent({
        runId,
        range,
        batchSize,
        outcome,
        passScanned,
        totalScanned: totals.scanned,
        totalUpdated: totals.updated,
        estimatedRows: this.estimatedRows,
        rowsPerSecond: rate,
      }),
    );
  }

  /**
   * Runs one batch, retrying what is retryable. Returns null when the batch failed and was
   * recovered from (the caller re-reads the checkpoint: a COMMIT lost with its connection may
   * or may not have landed, and only the ledger knows).
   */
  private async batchWithRetries(runId: number, range: RangeRow): Promise<BatchOutcome | null> {
    for (;;) {
      try {
        if (!this.session) {
          await this.openSession(false);
          return null;
        }
        const outcome = await this.batches.next(this.db, runId, range, this.controller.size, this.deps.signal);
        if (outcome) this.failures = 0;
        return outcome;
      } catch (error) {
        const action = classifyFailure(error);
        if (action === 'fatal') throw error;
        const retry = planRetry({
          error,
          action,
          attempt: (this.failures += 1),
          maxRetries: this.config.maxRetries,
          controller: this.controller,
          random: this.deps.random,
          runId,
          connection: this.config.connection,
          resumeCommand: this.deps.resumeCommand,
          who: `a batch of run #${runId}`,
          stops: 'the run',
        });
        this.controller = retry.controller;
        this.deps.sink(retry.event);
        if (action === 'reconnect') await this.closeSession();
        if (retry.delayMs > 0) await this.deps.sleep(retry.delayMs, this.deps.signal);
        if (this.deps.signal.aborted && this.session) return null;
        if (action !== 'reconnect' && this.session) {
          // The failed transaction was rolled back; the checkpoint in memory is still right.
          continue;
        }
      }
    }
  }
}

export async function executeBackfill(config: BackfillConfig, deps: BackfillDeps): Promise<BackfillResult> {
  return new Runner(config, deps).execute();
}
