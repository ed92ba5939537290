/**
 * The throttle's I/O: before each step, read the run's control row (pause, cancel, throttle
 * overrides) and the standbys' lag, ask decideControl and decideThrottle, and sleep (emitting a
 * `pause` event) until they say go. One gate per process, shared by its lanes, so
 * --max-rows-per-second limits the process as a whole.
 *
 * The control row is read with one primary-key SELECT outside any transaction, and the
 * standbys' lag in the same statement (one round trip before each step). A paused lane
 * holds no transaction and no row lock; it keeps its session's advisory locks (the run lock and
 * its range's claim), so the run stays this process's and the range stays the lane's.
 *
 * While the run waits for a health reason (a lagging standby, sessions waiting on its locks) the
 * gate records the wait in the ledger for `status`, and clears it when the run goes on: one
 * autocommit UPDATE on the lane's session between batches, never inside a batch's transaction,
 * so a waiting run holds no transaction open. It also warns (a `warning` event) about a standby
 * that disconnected, a replication slot left inactive and lag this role may not see.
 */
import type { Queryable } from '../../db/port.js';
import { NO_CONTROL, readControlWith, type RunControl } from '../../ledger/control.js';
import { ledgerRecordsWaits, recordRunWait, type RunWait } from '../../ledger/waits.js';
import type { Tables } from '../../names.js';
import type { Clock, Sleep } from '../../runtime.js';
import type { BackfillEvent } from '../events.js';
import type { BackfillConfig } from '../options.js';
import {
  INITIAL_WATCH,
  standbysLeft,
  watchSlots,
  watchStandbys,
  type ReplicaWarning,
  type ReplicaWatchState,
} from '../policy/replica-watch.js';
import { NO_REPORTS, trackReports, type ReportMemory } from '../policy/standby-reports.js';
import {
  DEFAULT_THROTTLE,
  decideControl,
  decideThrottle,
  INITIAL_THROTTLE,
  withControl,
  type PauseCause,
  type StandbyLag,
  type ThrottleDecision,
  type ThrottleSettings,
  type ThrottleState,
} from '../policy/throttle.js';
import type { StepOutcome } from '../step.js';
import type { RangeWalker } from './walker.js';
import { BLOCKED_BY_ME, replicationSlots, STANDBYS_JSON, standbysOf, type StandbyRow } from './health.js';

/**
 * How often inactive replication slots are looked for (a warning, not a decision: no need to
 * look before every batch), and at once when a standby disconnects.
 */
export const SLOT_CHECK_MS = 30_000;
/** While a wait goes on, its recorded measurement is refreshed at most this often. */
export const WAIT_REFRESH_MS = 5_000;

/** The waits `status` is told about: the health pauses. Rate limits and --pause-ms come with every batch. */
const RECORDED_CAUSES: readonly PauseCause[] = ['replication_lag', 'blocked_sessions'];

export interface GateDeps {
  clock: Clock;
  sleep: Sleep;
  signal: AbortSignal;
  sink: (event: BackfillEvent) => void;
  /** The run was cancelled (`aibridge-migrate cancel`): stop every lane after its current step. */
  cancel: () => void;
}

/**
 * A lane's own bookkeeping at the gate: when it last announced that it holds for a pause (null:
 * it is not holding). The object itself also names the lane whose health wait is recorded.
 */
export interface LanePause {
  eventAt: number | null;
}

/** While paused, each lane repeats its `pause` event this often (the first comes at once). */
const PAUSED_EVENT_EVERY_MS = 60_000;

export interface BatchReport {
  /** Rows the rate limit charges the step for. */
  rows: number;
  startedAt: number;
  /** Sessions waiting on this batch's locks just before it committed. */
  blockedSessions: number;
}

export function throttleSettings(config: BackfillConfig): ThrottleSettings {
  return {
    ...DEFAULT_THROTTLE,
    maxReplicationLagMs: config.maxReplicationLagMs,
    // 0 turns the byte limit off.
    maxReplicationLagBytes: config.maxReplicationLagBytes > 0 ? config.maxReplicationLagBytes : null,
    maxRowsPerSecond: config.maxRowsPerSecond ?? null,
    pauseMs: config.pauseMs,
  };
}

/** Where the gate records a run's wait: the run and its ledger. */
export interface WaitTarget {
  runId: number;
  tables: Pick<Tables, 'runs'>;
}

type Pause = Extract<ThrottleDecision, { action: 'pause' }>;

export class ThrottleGate {
  private state: ThrottleState = INITIAL_THROTTLE;
  private watch: ReplicaWatchState = INITIAL_WATCH;
  private reports: ReportMemory = NO_REPORTS;
  private slotsCheckedAt: number | null = null;
  /** Each lane's current health wait (lanes of one process wait for their own reasons). */
  private readonly waits = new Map<LanePause, RunWait>();
  /** What the ledger holds, as far as this process knows; undefined until it first wrote. */
  private recorded: { wait: RunWait | null; at: number } | undefined;
  /** Whether the ledger has the waiting_* columns; null until looked at. */
  private ledgerRecords: boolean | null = null;
  private ledgerWarned = false;
  /** Looks at the standbys and ledger writes, one at a time: the lanes of a process share this state. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The run's control as this process last read it (any lane). */
  private control: RunControl = NO_CONTROL;

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly deps: GateDeps,
  ) {}

  /** `throttle --target-batch-ms`: the batch-size controller's aim now; null = the process's own. */
  get targetBatchMs(): number | null {
    return this.control.targetBatchMs;
  }

  /** `throttle --max-rows-per-second` over the process's own limit: the rate now; null = none. */
  get maxRowsPerSecond(): number | null {
    return withControl(this.settings, this.control).maxRowsPerSecond;
  }

  /** Keeps the control a lane just read; a change is announced once per process (`control` event). */
  private observe(runId: number, control: RunControl): RunControl {
    const before = this.control;
    if (
      control.state !== before.state ||
      control.maxRowsPerSecond !== before.maxRowsPerSecond ||
      control.targetBatchMs !== before.targetBatchMs
    ) {
      this.control = control;
      this.deps.sink({ event: 'control', runId, ...control });
    }
    return control;
  }

  /**
   * Waits until the next step may start. `last` is the step just finished on this lane (null
   * before its first); `lane` is the lane's own bookkeeping, and names the lane whose wait this
   * is. Returns early, without error, when the run is being stopped (a signal, or a cancel it saw).
   */
  async beforeBatch(db: Queryable, target: WaitTarget, last: BatchReport | null, lane: LanePause = { eventAt: null }): Promise<void> {
    let afterBatch = last !== null;
    try {
      for (;;) {
        if (this.deps.signal.aborted) return;
        const look = await this.serially(() => this.look(db, target));
        const control = this.observe(target.runId, look.control);
        const order = decideControl(control);
        if (order.action === 'cancel') {
          this.deps.cancel();
          return;
        }
        if (order.action === 'pause') {
          const now = this.deps.clock.now();
          if (lane.eventAt === null || now - lane.eventAt >= PAUSED_EVENT_EVERY_MS) {
            lane.eventAt = now;
            this.deps.sink({ event: 'pause', runId: target.runId, reason: order.reason, cause: order.cause, durationMs: order.ms });
          }
          await this.deps.sleep(order.ms, this.deps.signal);
          continue;
        }
        lane.eventAt = null;
        const health = { standbys: look.standbys, blockedSessions: afterBatch && last ? last.blockedSessions : 0 };
        const { decision, state } = decideThrottle(this.state, withControl(this.settings, control), {
          now: this.deps.clock.now(),
          health,
          lastBatch: last ? { rows: last.rows, startedAt: last.startedAt } : null,
          afterBatch,
        });
        this.state = state;
        if (decision.action === 'go') return;
        // Recorded first: whoever sees the pause event finds the same wait in `status`.
        await this.setWait(db, target, lane, decision);
        const standby = decision.standby;
        this.deps.sink({
          event: 'pause',
          runId: target.runId,
          reason: decision.reason,
          cause: decision.cause,
          durationMs: decision.ms,
          // Only a replication-lag pause names a standby; the other pauses' events stay as they were.
          ...(standby
            ? { standby: { applicationName: standby.applicationName, replayLagMs: standby.replayLagMs, lagBytes: standby.lagBytes } }
            : {}),
        });
        await this.deps.sleep(decision.ms, this.deps.signal);
        afterBatch = false;
      }
    } finally {
      // Going on, or stopping: this lane no longer waits.
      await this.setWait(db, target, lane, null);
    }
  }

  /**
   * The run's control and the standbys now, in one statement, with warnings about standbys that
   * left and about inactive slots. Run serially: the standbys' reports are tracked in the order
   * they were read, whichever lane read them.
   */
  private async look(db: Queryable, target: WaitTarget): Promise<{ control: RunControl; standbys: StandbyLag[] }> {
    const read = await readControlWith(db, target.tables, target.runId, STANDBYS_JSON);
    return { control: read.control, standbys: await this.standbys(db, target.runId, standbysOf(read.also)) };
  }

  /** Tracks a look at the standbys, and warns about those that left and about inactive slots. */
  private async standbys(db: Queryable, runId: number, sample: StandbyRow[]): Promise<StandbyLag[]> {
    const tracked = trackReports(this.reports, sample);
    this.reports = tracked.memory;
    const now = this.deps.clock.now();
    const due = this.slotsCheckedAt === null || now - this.slotsCheckedAt >= SLOT_CHECK_MS;
    const slots = due || standbysLeft(this.watch, sample).length > 0 ? await replicationSlots(db) : null;
    const seen = watchStandbys(this.watch, sample, slots);
    this.watch = seen.state;
    this.warn(runId, seen.warnings);
    if (slots) {
      this.slotsCheckedAt = now;
      const inactive = watchSlots(this.watch, slots);
      this.watch = inactive.state;
      this.warn(runId, inactive.warnings);
    }
    return sample.map((s) => ({
      applicationName: s.applicationName,
      replayLagMs: s.replayLagMs,
      lagBytes: s.lagBytes,
      keepsUp: tracked.keepsUp.has(s.pid),
    }));
  }

  private warn(runId: number, warnings: readonly ReplicaWarning[]): void {
    for (const w of warnings) this.deps.sink({ event: 'warning', runId, ...w });
  }

  /** Sets (or clears) this lane's wait, and brings the ledger's record up to date. */
  private async setWait(db: Queryable, target: WaitTarget, lane: LanePause, pause: Pause | null): Promise<void> {
    if (pause && RECORDED_CAUSES.includes(pause.cause)) {
      this.waits.set(lane, {
        cause: pause.cause,
        detail: pause.reason,
        standby: pause.standby?.applicationName ?? null,
        replayLagMs: pause.standby?.replayLagMs ?? null,
        lagBytes: pause.standby?.lagBytes ?? null,
      });
    } else {
      this.waits.delete(lane);
    }
    await this.serially(() => this.record(db, target));
  }

  /** Runs `job` after every job queued before it (each on its own lane's session). */
  private serially<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => {});
    return run;
  }

  /** The wait `status` shows for this process: a lagging standby first (it holds every lane back). */
  private shownWait(): RunWait | null {
    const waits = [...this.waits.values()];
    return waits.find((w) => w.cause === 'replication_lag') ?? waits[0] ?? null;
  }

  private async record(db: Queryable, target: WaitTarget): Promise<void> {
    const wait = this.shownWait();
    const now = this.deps.clock.now();
    const held = this.recorded;
    if (held && sameWait(held.wait, wait) && (wait === null || wait.detail === held.wait?.detail || now - held.at < WAIT_REFRESH_MS))
      return;
    try {
      this.ledgerRecords ??= await ledgerRecordsWaits(db, target.tables);
      if (!this.ledgerRecords) {
        // A ledger from before these columns: `up` has not been run since the toolkit was upgraded.
        if (wait !== null && !this.ledgerWarned) {
          this.ledgerWarned = true;
          this.deps.sink({
            event: 'warning',
            runId: target.runId,
            code: 'ledger_without_wait_columns',
            message: `the backfill ledger ${target.tables.runs} predates the columns that tell \`status\` what a run waits for: run \`aibridge-migrate up\` to add them`,
            standby: null,
            slotName: null,
            retainedBytes: null,
          });
        }
        this.recorded = { wait, at: now };
        return;
      }
      if (await recordRunWait(db, target.tables, target.runId, wait)) this.recorded = { wait, at: now };
    } catch {
      // The record is for people reading `status`, never a reason to fail a batch: a session
      // that broke shows at the batch's own statement, which the lane's retries handle, and
      // the next look records the wait again.
    }
  }
}

/** Same cause and same standby: the same wait, whose measurement may be refreshed. */
function sameWait(a: RunWait | null, b: RunWait | null): boolean {
  if (a === null || b === null) return a === b;
  return a.cause === b.cause && a.standby === b.standby;
}

/** One lane's steps through the gate. */
export class GatedSteps {
  /** The last committed step, not yet reported to the throttle. */
  private last: BatchReport | null = null;
  private readonly pause: LanePause = { eventAt: null };

  constructor(
    private readonly gate: ThrottleGate,
    private readonly clock: Clock,
  ) {}

  /** Waits for the gate, then runs the walker's next step; null when `stop` aborted meanwhile. */
  async next(db: Queryable, target: WaitTarget, walker: RangeWalker, stop: AbortSignal): Promise<StepOutcome | null> {
    // Each step is reported to the throttle once, even if the next one is retried.
    const last = this.last;
    this.last = null;
    await this.gate.beforeBatch(db, target, last, this.pause);
    // A pause may have been cut short by a signal: stop before starting a step.
    if (stop.aborted) return null;
    const startedAt = this.clock.now();
    const outcome = await walker.step(db, BLOCKED_BY_ME);
    this.last = { rows: outcome.charged, startedAt, blockedSessions: outcome.blockedSessions };
    return outcome;
  }
}
