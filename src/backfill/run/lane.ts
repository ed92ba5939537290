/**
 * A lane: one database session working a run's ranges, batch after batch — claim a range, pass
 * each batch through the throttle gate, size the next one with the controller, retry what is
 * retryable, report progress — and, when no range is left to claim, judge the end of the pass.
 * The single runner is one lane; --workers N is N lanes; other processes add theirs.
 */
import { releaseAdvisoryLock, tryAdvisoryLock } from '../../db/advisory-lock.js';
import type { Queryable, Session } from '../../db/port.js';
import { PreflightError } from '../../errors.js';
import { claimRange, openSweep, releaseRange, runProgress } from '../../ledger/ranges.js';
import type { RangeRow } from '../../ledger/rows.js';
import { initialController, observeBatch, type ControllerState } from '../policy/controller.js';
import { batchRetryPolicy, classifyFailure, planRetry, type RetryAction } from '../policy/failure.js';
import type { BatchOutcome } from './batch.js';
import type { EngineContext } from './context.js';
import { recordCompleted } from './finish.js';
import { GatedBatches } from './gate.js';
import type { SessionSlot } from './session-slot.js';
import { judgePass } from './sweep.js';

/** How often a lane with nothing to claim looks again for a range or for the run's end. */
const IDLE_POLL_MS = 200;

export class Lane {
  private controller: ControllerState;
  private failures = 0;
  private readonly batches: GatedBatches;
  private readonly claimedBy: string;

  constructor(
    private readonly engine: EngineContext,
    private readonly slot: SessionSlot,
    private readonly no: number,
  ) {
    this.controller = initialController(engine.controllerSettings);
    this.batches = new GatedBatches(engine.gate, engine.deps.clock);
    this.claimedBy = `${engine.deps.host} pid ${engine.deps.pid} lane ${no}`;
  }

  private get stopped(): boolean {
    return this.engine.stop.aborted;
  }

  /** Works the run until it is over, the process stops, or a failure no retry can mend. */
  async loop(): Promise<void> {
    while (!this.stopped) {
      const db = this.slot.current ?? (await this.connectWithRetries());
      if (!db) return;
      try {
        if (await this.step(db)) return;
      } catch (error) {
        const action = classifyFailure(error);
        if (action === 'fatal') throw error;
        await this.backoff(error, action);
        if (action === 'reconnect') await this.slot.close();
      }
    }
  }

  /** Claims and works one range, or converges, or waits. True when the run is over. */
  private async step(db: Session): Promise<boolean> {
    const { tables, runId, deps } = this.engine;
    const range = await claimRange(db, tables, runId, this.claimedBy);
    if (range) {
      await this.engine.rangeClaimed(db, this.no, range);
      await this.work(range);
      return false;
    }
    const progress = await runProgress(db, tables, runId);
    if (progress.status === 'completed') {
      this.engine.markCompleted(true);
      return true;
    }
    if (progress.status === 'abandoned') {
      throw new PreflightError(`run #${runId} was abandoned (--restart) by another process while this one worked on it`, {
        hint: 'Run the same command again to join the new run.',
      });
    }
    if (progress.pendingRanges === 0 && (await tryAdvisoryLock(db, this.engine.convergeLock))) {
      try {
        return await this.converge(db);
      } finally {
        await releaseAdvisoryLock(db, this.engine.convergeLock).catch(() => {});
      }
    }
    // Every pending range is another lane's, or another lane is judging the pass.
    await deps.sleep(IDLE_POLL_MS, this.engine.stop);
    return false;
  }

  /** Runs one range's batches until it is done, the session is lost, or the run stops. */
  private async work(range: RangeRow): Promise<void> {
    let current = range;
    for (;;) {
      if (this.stopped) return;
      const sizeUsed = this.controller.size;
      const outcome = await this.batchWithRetries(current);
      // Lost the session (and with it the range), or stopping: claim again from the ledger.
      if (outcome === null) return;
      this.controller = observeBatch(this.controller, this.engine.controllerSettings, { rows: outcome.scanned, ms: outcome.ms });
      await this.engine.batchDone(this.slot.current, current, sizeUsed, outcome);
      if (outcome.rangeDone) {
        if (this.slot.current) await releaseRange(this.slot.current, this.engine.tables, current).catch(() => {});
        this.engine.rangeDone(this.no, current);
        return;
      }
      current = { ...current, checkpoint: outcome.checkpoint, rowsScanned: current.rowsScanned + outcome.scanned };
    }
  }

  /** After a pass: sweep again, or finish the run. Called holding the convergence lock. True when the run is over. */
  private async converge(db: Queryable): Promise<boolean> {
    const { tables, ops, config, deps, runId } = this.engine;
    const progress = await runProgress(db, tables, runId);
    if (progress.status === 'completed') {
      this.engine.markCompleted(true);
      return true;
    }
    if (progress.pendingRanges > 0) return false;
    const walk = {
      ops,
      tables,
      controllerSettings: this.engine.controllerSettings,
      runStartedAt: this.engine.runStartedAt,
      clock: deps.clock,
      stop: this.engine.stop,
    };
    const run = { id: runId, convergePasses: config.convergePasses, countsRowsAtStart: this.engine.rowsAtStartFrom === 'first count' };
    const verdict = await judgePass(db, walk, run, deps.sink);
    // Stopped half way through the count: nothing was written; the next run counts again.
    if (verdict === null) return false;
    if (verdict.next !== null) {
      await openSweep(db, tables, runId, verdict.next, this.engine.sweepRanges);
      return false;
    }
    await recordCompleted(db, tables, ops, runId, verdict);
    this.engine.markCompleted(verdict.converged);
    return true;
  }

  private async connectWithRetries(): Promise<Session | null> {
    for (;;) {
      if (this.stopped) return null;
      try {
        return await this.slot.open();
      } catch (error) {
        // A wrong password or another backfill holding the run is fatal; an unreachable server is not.
        if (classifyFailure(error) === 'fatal') throw error;
        await this.backoff(error, 'reconnect');
      }
    }
  }

  private async backoff(error: unknown, action: RetryAction): Promise<void> {
    const { config, deps, runId } = this.engine;
    const retry = planRetry({
      error,
      action,
      attempt: (this.failures += 1),
      policy: batchRetryPolicy(config.maxRetries),
      controller: this.controller,
      random: deps.random,
      runId,
      context: this.engine.translateContext,
      resumeCommand: deps.resumeCommand,
      who: `a batch of run #${runId}`,
    });
    this.controller = retry.controller;
    deps.sink(retry.event);
    if (retry.delayMs > 0) await deps.sleep(retry.delayMs, this.engine.stop);
  }

  /**
   * One batch of `range`, retrying what is retryable on the same session. Null when the session
   * was lost (the range lock went with it: the caller claims again, possibly the same range,
   * from the ledger's checkpoint — a COMMIT lost with its connection may or may not have
   * landed, and only the ledger knows) or when the run is stopping.
   */
  private async batchWithRetries(range: RangeRow): Promise<BatchOutcome | null> {
    const { ops, tables, config } = this.engine;
    const timeouts = { statementTimeoutMs: config.statementTimeout, lockTimeoutMs: config.lockTimeout };
    for (;;) {
      const db = this.slot.current;
      if (!db || this.stopped) return null;
      try {
        const batch = {
          ops,
          tables,
          range,
          size: this.controller.size,
          timeouts,
          runStartedAt: this.engine.runStartedAt,
          countsRowsAtStart: this.engine.rowsAtStartFrom === 'keyed pass',
        };
        const outcome = await this.batches.next(db, batch, this.engine.stop);
        if (outcome) this.failures = 0;
        return outcome;
      } catch (error) {
        const action = classifyFailure(error);
        if (action === 'fatal') throw error;
        await this.backoff(error, action);
        if (action === 'reconnect') {
          await this.slot.close();
          return null;
        }
      }
    }
  }
}
