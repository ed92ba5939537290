/**
 * `apply`: one process for a pipeline stage. It converges the database — `up` when a migration
 * is pending (Coder's hand-over included), the backfill, `verify`, then the `status --check`
 * gate — by calling the same functions the separate commands call.
 */
import { backfillWithConfig, type BackfillDeps } from '../backfill/index.js';
import { CancelledError, EXIT_CODES, InterruptedError, toToolkitError, type ToolkitError } from '../errors.js';
import type { MigrateDeps } from '../migrate/deps.js';
import { runStatus, type StatusResult } from '../migrate/status.js';
import { runUp } from '../migrate/up.js';
import type { Report } from '../report/model.js';
import type { Clock, Runtime } from '../runtime.js';
import { formatCount } from '../text/format.js';
import { runVerify, type VerifyDeps } from '../verify/run.js';
import { stageSettings, type ApplySettings, type StageSettings } from './options.js';
import type { ApplyResult, Stage, StageOf, StageRecord } from './result.js';

/** What a run stopped by a signal prints, and what the backfill names as the command to resume. */
export const RESUME_COMMAND = 'aibridge-migrate apply';

/** apply's I/O: the Runtime it times its stages on and logs to, and each stage's own. */
export interface ApplyDeps extends Runtime {
  migrate: MigrateDeps;
  /** The backfill's I/O beyond its defaults: at least a progress sink. */
  backfill: Partial<BackfillDeps>;
  verify: VerifyDeps;
  /** Aborted with reason 'SIGINT' or 'SIGTERM' to stop at the current stage's next safe point. */
  signal: AbortSignal;
}

type Stopped = { signal: 'SIGINT' | 'SIGTERM' };

function stopReason(signal: AbortSignal): 'SIGINT' | 'SIGTERM' {
  return signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
}

/** `work`, or the stop request if it comes first (for stages that only read: nothing to finish). */
async function unlessStopped<T>(work: Promise<T>, signal: AbortSignal): Promise<T | Stopped> {
  if (signal.aborted) return { signal: stopReason(signal) };
  // The read goes on until its connection closes with the process; nothing waits for it.
  work.catch(() => {});
  return Promise.race([
    work,
    new Promise<Stopped>((resolve) => signal.addEventListener('abort', () => resolve({ signal: stopReason(signal) }), { once: true })),
  ]);
}

function isStopped(value: unknown): value is Stopped {
  return typeof value === 'object' && value !== null && 'signal' in value && Object.keys(value).length === 1;
}

/** up's I/O with a sleep that ends the lock-retry wait when a stop is requested. */
function interruptibleMigrate(deps: MigrateDeps, signal: AbortSignal): MigrateDeps {
  return {
    ...deps,
    sleep: async (ms) => {
      await deps.sleep(ms, signal);
      if (signal.aborted) {
        throw new InterruptedError(stopReason(signal), `up stopped by ${stopReason(signal)} while waiting to retry a lock`, {
          hint: `Nothing of the refused attempt was applied. Run \`${RESUME_COMMAND}\` again.`,
        });
      }
    },
  };
}

function interrupted(signal: 'SIGINT' | 'SIGTERM', stage: Stage, database: string, detail = ''): InterruptedError {
  return new InterruptedError(signal, `apply on ${database} stopped by ${signal} during ${stage}${detail}`, {
    hint: `Run \`${RESUME_COMMAND}\` again: it continues where this one stopped (the backfill from its last checkpoint).`,
    details: { stage },
  });
}

/** The stage records in order, each `not_run` until it starts, and the stage under way. */
class StageBook {
  private readonly records = new Map<Stage, StageRecord>();
  private current: Stage = 'up';
  private stageStarted: number;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    started: number,
  ) {
    this.stageStarted = started;
    const notRun = { status: 'not_run' as const, durationMs: null, summary: 'not run' };
    this.records.set('up', { stage: 'up', ...notRun, pending: [], result: null });
    this.records.set('backfill', { stage: 'backfill', ...notRun, result: null });
    this.records.set('verify', { stage: 'verify', ...notRun, report: null });
    this.records.set('check', { stage: 'check', ...notRun, readiness: null });
  }

  begin(stage: Stage): void {
    this.current = stage;
    this.stageStarted = this.clock.now();
  }

  record<S extends Stage>(stage: S, update: Partial<StageOf<S>>): void {
    this.records.set(stage, { ...(this.records.get(stage) as StageOf<S>), durationMs: this.clock.now() - this.stageStarted, ...update });
  }

  /** A stop between stages leaves the finished stage as it was; a failure inside marks it. */
  fail(error: ToolkitError): void {
    const stage = this.records.get(this.current)!;
    if (stage.status !== 'not_run') return;
    this.records.set(this.current, {
      ...stage,
      status: error.code === 'INTERRUPTED' ? 'interrupted' : 'failed',
      durationMs: this.clock.now() - this.stageStarted,
      summary: error.message,
    });
  }

  stages(): StageRecord[] {
    return [...this.records.values()];
  }
}

/** Checks whose failure pending rows alone explain: a pending row is missing from the totals too. */
const PENDING_EXPLAINS = new Set(['row_parity', 'totals_by_provider_model', 'totals_by_session']);

/**
 * The number of pending rows when they alone make verify fail — no conflict, no count or
 * anomaly failure — else null.
 */
export function onlyPending(report: Report): number | null {
  const { pending, conflict } = report.row_parity.classes;
  if (report.outcome.status !== 'fail' || pending === 0 || conflict > 0) return null;
  return report.outcome.failing_checks.every((check) => PENDING_EXPLAINS.has(check)) ? pending : null;
}

/** One apply run: its settings, I/O and stage records, handed from stage to stage. */
interface ApplyRun {
  settings: ApplySettings;
  stages: StageSettings;
  deps: ApplyDeps;
  database: string;
  book: StageBook;
  /** Coder's migration runner as status found it first; set before up runs, kept if up fails. */
  coderBefore: StatusResult['coder'] | null;
}

/**
 * Idempotent: before the Coder upgrade it does everything; after it, the backfill catches the
 * rows the old release wrote in between (its convergence sweeps run while eligible rows remain)
 * and the rest only reads. A stop request (the AbortSignal, aborted by SIGTERM/SIGINT) is
 * honoured at each stage's safe point: up between lock attempts (a migration that started
 * commits or rolls back whole), the backfill after its current batch (checkpointed), verify and
 * the gate at once (they only read).
 */
export async function runApply(settings: ApplySettings, deps: ApplyDeps): Promise<ApplyResult> {
  const started = deps.clock.now();
  const run: ApplyRun = {
    settings,
    stages: stageSettings(settings),
    deps,
    database: settings.connection.label,
    book: new StageBook(deps.clock, started),
    coderBefore: null,
  };
  const finish = (exitCode: number, error: ToolkitError | null): ApplyResult => ({
    command: 'apply',
    dryRun: false,
    database: run.database,
    exitCode,
    error,
    stages: run.book.stages(),
    coderBefore: run.coderBefore,
    elapsedMs: deps.clock.now() - started,
  });
  try {
    await upStage(run);
    stopIfRequested(run, 'up');
    await backfillStage(run);
    stopIfRequested(run, 'backfill');
    const verifyExit = await verifyStage(run);
    if (verifyExit !== null) return finish(verifyExit, null);
    return finish(await checkStage(run), null);
  } catch (thrown) {
    const error = toToolkitError(thrown);
    run.book.fail(error);
    return finish(error.exitCode, error);
  }
}

function stopIfRequested(run: ApplyRun, after: Stage): void {
  if (run.deps.signal.aborted) throw interrupted(stopReason(run.deps.signal), after, run.database, ' (at its end)');
}

/** up: only when something is pending. status reads the same plan up would act on. */
async function upStage(run: ApplyRun): Promise<void> {
  const { book, deps } = run;
  book.begin('up');
  const before = await runStatus(run.stages.status, deps.migrate);
  run.coderBefore = before.coder;
  const pending = before.pending.map((m) => m.name);
  if (pending.length === 0) {
    book.record('up', { status: 'skipped', pending, summary: 'nothing pending' });
    return;
  }
  deps.log.info(`apply: up (${pending.length} migration(s) pending)`);
  const result = await runUp(run.stages.up, interruptibleMigrate(deps.migrate, deps.signal));
  book.record('up', {
    status: 'done',
    pending,
    result,
    summary: `applied ${result.applied.map((m) => m.name).join(', ') || 'nothing (applied meanwhile by another run)'}`,
  });
}

/**
 * backfill: one run; its convergence sweeps (--converge-passes) repeat while rows written
 * behind its cursor remain. A run a signal stopped is checkpointed; the next apply resumes it.
 */
async function backfillStage(run: ApplyRun): Promise<void> {
  const { book, deps, database } = run;
  book.begin('backfill');
  deps.log.info('apply: backfill');
  const result = await backfillWithConfig(run.stages.backfill, { ...deps.backfill, signal: deps.signal, resumeCommand: RESUME_COMMAND });
  if (result.status === 'dry-run') throw new Error('the backfill ran as a dry run inside apply');
  if (result.status === 'interrupted') {
    book.record('backfill', { status: 'interrupted', result, summary: `stopped by ${result.signal}; checkpointed` });
    throw interrupted(
      result.signal,
      'backfill',
      database,
      result.runId === null ? ' (before the first batch)' : ` (run #${result.runId} checkpointed)`,
    );
  }
  if (result.status === 'cancelled') {
    book.record('backfill', {
      status: 'interrupted',
      result,
      summary: `run #${result.runId} cancelled (aibridge-migrate cancel); checkpointed`,
    });
    throw new CancelledError(
      `apply on ${database} stopped during backfill: run #${result.runId} was cancelled (aibridge-migrate cancel); checkpointed`,
      {
        hint: `Run \`${RESUME_COMMAND}\` again: it resumes the run (starting it takes the cancel back).`,
        details: { stage: 'backfill', runId: result.runId, position: result.position },
      },
    );
  }
  if (result.status === 'failed') {
    book.record('backfill', { status: 'failed', result, summary: result.error.message });
    // The engine's error already says how to resume: with RESUME_COMMAND (src/backfill/run/finish.ts).
    throw result.error;
  }
  const left = result.summary.unconvergedRows ?? 0;
  book.record('backfill', {
    status: 'done',
    result,
    summary: `run #${result.runId}: ${formatCount(result.summary.rowsUpdated)} row(s) updated${left > 0 ? `; ${formatCount(left)} eligible row(s) written behind it remain` : ''}`,
  });
}

/** verify: read-only; a stop request ends it at once. The exit code when it ends the run, else null. */
async function verifyStage(run: ApplyRun): Promise<number | null> {
  const { book, deps, settings } = run;
  book.begin('verify');
  deps.log.info('apply: verify');
  const verified = await unlessStopped(runVerify(run.stages.verify, deps.verify), deps.signal);
  if (isStopped(verified)) {
    book.record('verify', { status: 'interrupted', summary: `stopped by ${verified.signal}` });
    throw interrupted(verified.signal, 'verify', run.database);
  }
  const { outcome } = verified;
  const stillPending = onlyPending(verified);
  const passes = outcome.status === 'pass' || (stillPending !== null && settings.allowPending);
  const pendingText = `${formatCount(stillPending ?? 0)} row(s) still pending, none in conflict: written since the backfill's last sweep by an application version that fills only metadata`;
  book.record('verify', {
    status: passes ? 'done' : 'failed',
    report: verified,
    summary:
      outcome.status === 'pass'
        ? 'parity holds'
        : stillPending !== null
          ? `${pendingText}; ${settings.allowPending ? 'allowed (--allow-pending): the next apply catches them' : 'apply again (after the Coder upgrade) catches them'}`
          : `parity fails (${outcome.failing_checks.join(', ')})`,
  });
  if (outcome.status !== 'pass' && passes) deps.log.warn(`verify: ${pendingText}; --allow-pending lets the stage pass`);
  if (passes) return null;
  // Rows the backfill has yet to reach are "not backfilled yet" — the gate's exit 9, which a
  // pipeline retries — not a parity failure of what it wrote (1).
  return stillPending !== null ? EXIT_CODES.notReady : outcome.exit_code;
}

/** The gate: what `status --check` says, read after everything above. Returns the run's exit code. */
async function checkStage(run: ApplyRun): Promise<number> {
  const { book, deps, settings } = run;
  book.begin('check');
  const after = await unlessStopped(runStatus(run.stages.status, deps.migrate), deps.signal);
  if (isStopped(after)) {
    book.record('check', { status: 'interrupted', summary: `stopped by ${after.signal}` });
    throw interrupted(after.signal, 'check', run.database);
  }
  const { readiness } = after;
  // The same allowance at the gate: a completed run whose last sweep still found rows
  // (written behind it by the old release) and nothing else missing.
  const forward = after.backfill?.latestRuns.find((r) => r.direction === 'forward');
  const rowsLeftOnly = after.pending.length === 0 && forward?.status === 'completed' && (forward.unconvergedRows ?? 0) > 0;
  const ready = readiness.ready || (settings.allowPending && rowsLeftOnly);
  book.record('check', {
    status: ready ? 'done' : 'failed',
    readiness,
    summary: readiness.ready
      ? 'ready'
      : ready
        ? `${formatCount(forward?.unconvergedRows ?? 0)} eligible row(s) left behind the last sweep; allowed (--allow-pending)`
        : `not ready: ${readiness.missing.join('; ')}`,
  });
  return ready ? EXIT_CODES.ok : EXIT_CODES.notReady;
}
