/**
 * A lane: one database session working a run's ranges, step after step — claim a range, pass
 * each step through the throttle gate, let the walker size and run it, retry what is
 * retryable, report progress — and, when no range is left to claim, judge the end of the pass.
 * The single runner is one lane; --workers N is N lanes; other processes add theirs.
 */
import { lockBookOf, releaseAdvisoryLock, STILL_WAITING_MS, tryAdvisoryLock } from '../../db/advisory-lock.js';
import type { Queryable, Session } from '../../db/port.js';
import { PreflightError } from '../../errors.js';
import { forgetMovedRows } from '../../ledger/moved-rows.js';
import { claimRange, openSweep, pendingRangeLocks, releaseRange, runWorkLeft } from '../../ledger/ranges.js';
import type { RangeRow, Walk } from '../../ledger/rows.js';
import { BatchSizer, type ControllerSettings } from '../policy/controller.js';
import { batchRetryPolicy, classifyFailure, planRetry, type RetryAction } from '../policy/failure.js';
import type { EngineContext } from './context.js';
import { recordCompleted } from './finish.js';
import { GatedSteps } from './gate.js';
import { KeyWalker } from './key-walk.js';
import { PageWalker } from './page-walk.js';
import type { SessionSlot } from './session-slot.js';
import { judgePass } from './sweep.js';
import type { StepOutcome } from '../step.js';
import type { RangeWalker, WalkSettings } from './walker.js';

/** How often a lane with nothing to claim looks again for a range or for the run's end. */
const IDLE_POLL_MS = 200;
/** Pending ranges whose owners an idle lane looks at (stillIdle): workers' runs have a few per lane. */
const WAITED_RANGES_LOOKED_AT = 16;

/**
 * A lane's walker and its batch-size controllers: the one place they are built. The key walk
 * has one controller; the page walk three, its judges reading every row of a page and its rounds
 * (on pages their window wrote before, and on fresh ones) writing a few rows per page. The count
 * that ends a pass reads like a key batch or a judge and is sized by that same controller
 * (`reads`). `controller` is read at every step: `throttle --target-batch-ms` moves the aim.
 */
export function laneWalker(
  walk: Walk,
  settings: WalkSettings,
  controller: () => ControllerSettings,
): { walker: RangeWalker; reads: BatchSizer } {
  const reads = new BatchSizer(controller);
  const walker =
    walk === 'page'
      ? new PageWalker(settings, { judges: reads, rounds: new BatchSizer(controller), freshRounds: new BatchSizer(controller) })
      : new KeyWalker(settings, reads);
  return { walker, reads };
}

export class Lane {
  private failures = 0;
  /** Since when this lane has had nothing to claim (clock ms), and whether it said so; null while it works. */
  private idle: { since: number; told: boolean } | null = null;
  private readonly steps: GatedSteps;
  private readonly walker: RangeWalker;
  /** The controller of the walker's reads, which also sizes the count that ends a pass. */
  private readonly reads: BatchSizer;
  private readonly claimedBy: string;

  constructor(
    private readonly engine: EngineContext,
    private readonly slot: SessionSlot,
    private readonly no: number,
  ) {
    this.steps = new GatedSteps(engine.gate, engine.deps.clock);
    ({ walker: this.walker, reads: this.reads } = laneWalker(engine.walk, engine.walkSettings, () => engine.controllerSettings));
    this.claimedBy = `${engine.deps.host} pid ${engine.deps.pid} lane ${no}`;
  }

  private get stopped(): boolean {
    return this.engine.stop.aborted;
  }

  /** Works the run until it is over, the process stops, or a failure no retry can mend. */
  async loop(): Promise<void> {
    try {
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
    } finally {
      await this.walker.close();
    }
  }

  /** Claims and works one range, or converges, or waits. True when the run is over. */
  private async step(db: Session): Promise<boolean> {
    const { tables, runId, deps } = this.engine;
    const range = await claimRange(db, tables, runId, this.claimedBy);
    if (range) {
      this.idle = null;
      await this.engine.rangeClaimed(db, this.no, range);
      await this.work(range);
      return false;
    }
    const left = await runWorkLeft(db, tables, runId);
    if (left.status === 'completed') {
      this.engine.markCompleted(true);
      return true;
    }
    if (left.status === 'abandoned') {
      throw new PreflightError(`run #${runId} was abandoned (--restart) by another process while this one worked on it`, {
        hint: 'Run the same command again to join the new run.',
      });
    }
    if (left.pendingRanges === 0 && (await tryAdvisoryLock(db, this.engine.convergeLock))) {
      this.idle = null;
      try {
        return await this.converge(db);
      } finally {
        await releaseAdvisoryLock(db, this.engine.convergeLock).catch(() => {});
      }
    }
    // Every pending range is another lane's, or another lane is judging the pass.
    await this.stillIdle(db, left.pendingRanges);
    await deps.sleep(IDLE_POLL_MS, this.engine.stop);
    return false;
  }

  /**
   * Once this lane has had nothing to claim for STILL_WAITING_MS, its session's lock book looks
   * at who holds what it waits for (the pending ranges' locks, or the convergence lock) and warns,
   * once, about a holder idle that long: a lock left behind (a leaked session, a pooled server
   * connection) would make the wait endless, and the warning names the session and how to end it.
   */
  private async stillIdle(db: Queryable, pendingRanges: number): Promise<void> {
    const { deps, tables, runId } = this.engine;
    const now = deps.clock.now();
    this.idle ??= { since: now, told: false };
    const book = lockBookOf(db);
    if (!book || this.idle.told || now - this.idle.since < STILL_WAITING_MS) return;
    this.idle.told = true;
    const keys = pendingRanges === 0 ? [this.engine.convergeLock] : await pendingRangeLocks(db, tables, runId, WAITED_RANGES_LOOKED_AT);
    for (const key of keys) await book.stillWaiting(db, key).catch(() => {});
  }

  /** Runs one range's steps until it is done, the session is lost, or the run stops. */
  private async work(range: RangeRow): Promise<void> {
    this.walker.begin(range);
    for (;;) {
      if (this.stopped) return;
      const outcome = await this.stepWithRetries(range);
      // Lost the session (and with it the range), or stopping: claim again from the ledger.
      if (outcome === null) return;
      await this.engine.batchDone(this.slot.current, range, outcome);
      if (outcome.rangeDone) {
        if (this.slot.current) await releaseRange(this.slot.current, this.engine.tables, range).catch(() => {});
        this.engine.rangeDone(this.no, range);
        return;
      }
    }
  }

  /** After a pass: sweep again, or finish the run. Called holding the convergence lock. True when the run is over. */
  private async converge(db: Queryable): Promise<boolean> {
    const { tables, ops, config, deps, runId } = this.engine;
    const left = await runWorkLeft(db, tables, runId);
    if (left.status === 'completed') {
      this.engine.markCompleted(true);
      return true;
    }
    if (left.pendingRanges > 0) return false;
    const walk = {
      ops,
      tables,
      sizer: this.reads,
      runStartedAt: this.engine.runStartedAt,
      clock: deps.clock,
      stop: this.engine.stop,
      // A second session reads half the count, unless the run is rate-limited (asked to be gentle).
      helper: this.engine.gate.maxRowsPerSecond === null ? deps.connect : undefined,
      log: deps.log,
    };
    const run = {
      id: runId,
      convergePasses: config.convergePasses,
      firstCountCountsRowsAtStart: this.engine.rowsAtStartFrom === 'first count',
    };
    const verdict = await judgePass(db, walk, run, deps.sink);
    // Stopped half way through the count: nothing was written; the next run counts again.
    if (verdict === null) return false;
    // The pass is over, and with it what its rounds moved.
    await forgetMovedRows(db, tables, runId);
    if (verdict.next !== null) {
      await openSweep(db, tables, runId, verdict.next, await this.engine.passRanges(db));
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
      batchSize: action === 'split' ? this.walker.split() : this.walker.size,
      random: deps.random,
      runId,
      context: this.engine.translateContext,
      who: `a batch of run #${runId}`,
    });
    deps.sink(retry.event);
    if (retry.delayMs > 0) await deps.sleep(retry.delayMs, this.engine.stop);
  }

  /**
   * One step of `range`, retrying what is retryable on the same session. Null when the session
   * was lost (the range lock went with it: the caller claims again, possibly the same range,
   * from the ledger's position — a COMMIT lost with its connection may or may not have landed,
   * and only the ledger knows) or when the run is stopping.
   */
  private async stepWithRetries(range: RangeRow): Promise<StepOutcome | null> {
    for (;;) {
      const db = this.slot.current;
      if (!db || this.stopped) return null;
      try {
        const outcome = await this.steps.next(db, { runId: range.runId, tables: this.engine.tables }, this.walker, this.engine.stop);
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
