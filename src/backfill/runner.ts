/**
 * The backfill run: lock, preflight, choose or create the run, then batches until every range
 * of every pass is done, with retries, interruption and convergence sweeps.
 */
import { AlreadyRunningError, PreflightError, RetriesExhaustedError, ToolkitError } from '../errors.js';
import { qualify } from '../db/identifier.js';
import { sqlState, translatePgError } from '../db/pg-errors.js';
import { ruleFingerprint } from '../rule/index.js';
import { backoffDelay, classifyFailure } from './backoff.js';
import type { BatchOutcome } from './batch.js';
import { initialController, observeBatch, splitAfterTimeout, type ControllerSettings, type ControllerState } from './controller.js';
import type { BackfillDeps, Session } from './deps.js';
import { directionOps, type DirectionOps } from './direction.js';
import { ThrottleGate, throttleSettings, type BatchReport } from './gate.js';
import { estimateTotalRows, etaMs, keyFraction } from './estimate.js';
import {
  abandonRun,
  addSweepRange,
  claimRun,
  createRun,
  findOpenRun,
  finishRun,
  lastPass,
  nextPendingRange,
  readRun,
  type RangeRow,
  type RunRow,
  type Target,
} from './ledger.js';
import { acquireRunnerLock, runnerLockKey, tryRunnerLock } from './lock.js';
import type { BackfillConfig } from './options.js';
import { inspectTable, preflightWrite } from './preflight.js';
import type { BackfillResult } from './result.js';
import { tableNames, TOKEN_USAGES, type TableNames } from './sql.js';
import { summarize } from './summary.js';

type Signal = 'SIGINT' | 'SIGTERM';

function abortSignalName(signal: AbortSignal): Signal {
  return signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
}

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
  private position: { pass: number; checkpoint: string | null } | null = null;
  private estimatedRows = 0;
  private sessionStart = 0;
  private sessionScanned = 0;
  /** Consecutive failed attempts; reset by a committed batch, so reconnect loops are bounded too. */
  private failures = 0;
  private readonly ops: DirectionOps;
  private readonly gate: ThrottleGate;
  /** The last committed batch, for the throttle; null after a reconnect or a range change. */
  private lastBatch: BatchReport | null = null;

  constructor(
    private readonly config: BackfillConfig,
    private readonly deps: BackfillDeps,
  ) {
    this.names = tableNames(config.schema, config.stateSchema);
    this.target = { schema: config.schema, table: TOKEN_USAGES };
    this.controllerSettings = {
      targetMs: config.targetBatchMs,
      min: config.batchSizeMin,
      max: config.batchSizeMax,
      fixed: config.batchSize,
    };
    this.controller = initialController(this.controllerSettings);
    this.ops = directionOps(config.reverse);
    this.gate = new ThrottleGate(throttleSettings(config), deps);
  }

  private get db(): Session {
    if (!this.session) throw new Error('no database session');
    return this.session;
  }

  async execute(): Promise<BackfillResult> {
    try {
      return await this.main();
    } catch (raw) {
      const error = translatePgError(raw, { databaseUrl: this.config.databaseUrl, action: 'running the backfill' });
      let summary = null;
      if (this.run && this.session && this.holdsLock) {
        // Best effort: the session may be the thing that failed.
        await finishRun(this.db, this.names, this.run.id, { status: 'failed', lastError: error.message }).catch(() => {});
        summary = await readRun(this.db, this.names, this.run.id).then((run) => summarize(run, Date.now())).catch(() => null);
      }
      const resumable = this.run !== null && error.code !== 'PREFLIGHT' && error.code !== 'PERMISSION';
      const resumeCommand = resumable ? this.deps.resumeCommand : null;
      if (this.run) {
        this.deps.sink({
          event: 'finish',
          runId: this.run.id,
          status: 'failed',
          summary: summary ?? summarize(this.run, Date.now()),
          resumeCommand,
        });
      }
      return { status: 'failed', error, runId: this.run?.id ?? null, summary, resumeCommand };
    } finally {
      await this.closeSession();
    }
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = null;
    this.holdsLock = false;
    // Ending the session releases the advisory lock with it.
    if (session) await session.end().catch(() => {});
  }

  /** Connects and takes the runner lock. `wait` only on the first connection. */
  private async openSession(wait: boolean): Promise<boolean> {
    this.session = await this.deps.connect();
    if (!this.lockKey) this.lockKey = await runnerLockKey(this.db, this.config.stateSchema, this.names.usages);
    if (wait) {
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

  private interrupted(): BackfillResult {
    return {
      status: 'interrupted',
      signal: abortSignalName(this.deps.signal),
      runId: null,
      position: null,
      summary: null,
      resumeCommand: this.deps.resumeCommand,
    };
  }

  private async main(): Promise<BackfillResult> {
    if (!(await this.openSession(true))) return this.interrupted();

    const facts = await inspectTable(this.db, this.config.schema, this.names, qualify(this.config.schema, 'aibridge_interceptions'));
    await preflightWrite(this.db, facts, this.names);

    const fingerprint = ruleFingerprint();
    let open = await findOpenRun(this.db, this.names, this.target, this.ops.direction);
    if (open && this.config.restart) {
      await abandonRun(this.db, this.names, open.id, `replaced by a fresh run (--restart) from ${this.deps.host} pid ${this.deps.pid}`);
      open = null;
    }
    if (open && open.ruleFingerprint !== fingerprint) {
      throw new PreflightError(
        `unfinished backfill run #${open.id} was started under a different rule (fingerprint ${open.ruleFingerprint}, this version has ${fingerprint}); resuming would leave the table half one rule, half the other`,
        { hint: 'Start a fresh run with --restart: it re-judges every row whose columns are still 0 under the current rule.' },
      );
    }
    const resumed = open !== null;
    if (open) {
      await claimRun(this.db, this.names, open.id, this.deps.host, this.deps.pid);
      this.run = await readRun(this.db, this.names, open.id);
      this.estimatedRows = Math.max(this.run.rowsEstimated ?? 0, Math.round(facts.catalogRows));
    } else {
      const { rows } = await this.db.query(`SELECT count(*)::bigint AS n, max(t.created_at) AS max_created FROM ${this.names.usages} AS t`);
      const count = Number(rows[0]!.n);
      this.run = await createRun(this.db, this.names, {
        ...this.target,
        ruleFingerprint: fingerprint,
        options: recordedOptions(this.config),
        host: this.deps.host,
        pid: this.deps.pid,
        tableRowsAtStart: count,
        maxCreatedAtAtStart: rows[0]!.max_created ?? null,
        rowsEstimated: count,
        direction: this.ops.direction,
      });
      this.estimatedRows = count;
    }
    const runId = this.run.id;
    this.deps.sink({
      event: 'start',
      runId,
      direction: this.ops.direction,
      workers: null,
      resumed,
      ruleFingerprint: fingerprint,
      estimatedRows: this.estimatedRows,
      batchSize: this.controller.size,
      targetBatchMs: this.config.targetBatchMs,
      fixedBatchSize: this.config.batchSize !== undefined,
    });
    this.sessionStart = this.deps.clock.now();

    let totals = { scanned: this.run.rowsScanned, updated: this.run.rowsUpdated };
    let range = await nextPendingRange(this.db, this.names, runId);
    let passScanned = range?.rowsScanned ?? 0;
    let unconverged: number | null = null;
    let converged = false;

    for (;;) {
      if (this.deps.signal.aborted) return this.stop(runId);
      if (!range) {
        // A pass is over. Only a count over one snapshot proves nothing is left: a sweep that
        // wrote nothing may still have had rows inserted behind its own cursor.
        const last = await lastPass(this.db, this.names, runId);
        const pass = last?.pass ?? 0;
        const { rows } = await this.db.query(this.ops.remainingQuery(this.names.usages));
        const remaining = Number(rows[0]!.eligible);
        converged = remaining === 0;
        const next = !converged && pass < this.config.convergePasses ? pass + 1 : null;
        this.deps.sink({
          event: 'converge',
          runId,
          pass,
          rowsScanned: last?.rowsScanned ?? 0,
          rowsUpdated: last?.rowsUpdated ?? 0,
          eligibleRemaining: remaining,
          converged,
          nextPass: next,
        });
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

    const unreversible = this.ops.unreversible ? (await this.ops.unreversible(this.db, this.names.usages)).count : null;
    await finishRun(this.db, this.names, runId, { status: 'completed', unconvergedRows: unconverged, unreversibleRows: unreversible });
    this.run = await readRun(this.db, this.names, runId);
    const summary = summarize(this.run, Date.now());
    this.deps.sink({ event: 'finish', runId, status: 'completed', summary, resumeCommand: null });
    return { status: 'completed', runId, resumed, summary, converged };
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
    this.deps.sink({
      event: 'batch',
      runId,
      pass: range.pass,
      rangeNo: range.rangeNo,
      batchSize,
      rowsScanned: outcome.scanned,
      rowsUpdated: outcome.updated,
      rowsApplicationWritten: outcome.applicationWritten,
      durationMs: Math.round(outcome.ms),
      checkpoint: outcome.checkpoint,
      passRowsScanned: passScanned,
      totalRowsScanned: totals.scanned,
      totalRowsUpdated: totals.updated,
      estimatedRows: this.estimatedRows,
      rowsPerSecond: rate === null ? null : Math.round(rate),
      etaMs: rate === null ? null : etaMs(this.estimatedRows - passScanned, rate),
    });
  }

  /**
   * Runs one batch, retrying what is retryable. Returns null when the batch failed and was
   * recovered from (the caller re-reads the checkpoint: a COMMIT lost with its connection may
   * or may not have landed, and only the ledger knows).
   */
  private async batchWithRetries(runId: number, range: RangeRow): Promise<BatchOutcome | null> {
    const timeouts = { statementTimeoutMs: this.config.statementTimeout, lockTimeoutMs: this.config.lockTimeout };
    for (;;) {
      try {
        if (!this.session) {
          await this.openSession(false);
          return null;
        }
        // Each batch is reported to the throttle once, even if the next one is retried.
        const last = this.lastBatch;
        this.lastBatch = null;
        await this.gate.beforeBatch(this.db, runId, last);
        // A pause may have been cut short by a signal: stop before starting a batch.
        if (this.deps.signal.aborted) return null;
        const sample = { blocked: 0 };
        const startedAt = this.deps.clock.now();
        const outcome = await this.ops.runBatch(this.db, this.names, range, this.controller.size, timeouts, this.deps.clock, this.gate.blockedSampler(sample));
        this.lastBatch = { rows: outcome.scanned, startedAt, blockedSessions: sample.blocked };
        this.failures = 0;
        return outcome;
      } catch (error) {
        const action = classifyFailure(error);
        if (action === 'fatal') throw error;
        const attempt = (this.failures += 1);
        if (attempt > this.config.maxRetries) {
          const translated = translatePgError(error, { databaseUrl: this.config.databaseUrl, action: 'running a backfill batch' });
          throw new RetriesExhaustedError(
            `a batch of run #${runId} failed ${attempt} times in a row (last: ${translated.message}); the run stopped at its last checkpoint`,
            {
              hint: `Every committed batch is kept. Fix the cause (see above), then resume with: ${this.deps.resumeCommand}`,
              cause: error,
              details: { runId, sqlstate: sqlState(error) ?? null },
            },
          );
        }
        if (action === 'split') this.controller = splitAfterTimeout(this.controller);
        const delayMs = action === 'split' && attempt === 1 ? 0 : backoffDelay(attempt, this.deps.random());
        this.deps.sink({
          event: 'retry',
          runId,
          attempt,
          maxAttempts: this.config.maxRetries,
          action,
          sqlstate: sqlState(error) ?? (error instanceof ToolkitError ? sqlState(error.cause) ?? null : null),
          message: error instanceof Error ? error.message : String(error),
          delayMs,
          batchSize: this.controller.size,
        });
        if (action === 'reconnect') await this.closeSession();
        if (delayMs > 0) await this.deps.sleep(delayMs, this.deps.signal);
        if (this.deps.signal.aborted && this.session) return null;
        if (action !== 'reconnect' && this.session) {
          // The failed transaction was rolled back; the checkpoint in memory is still right.
          continue;
        }
      }
    }
  }

  private async stop(runId: number): Promise<BackfillResult> {
    await finishRun(this.db, this.names, runId, { status: 'interrupted' });
    this.run = await readRun(this.db, this.names, runId);
    const summary = summarize(this.run, Date.now());
    this.deps.sink({ event: 'finish', runId, status: 'interrupted', summary, resumeCommand: this.deps.resumeCommand });
    return {
      status: 'interrupted',
      signal: abortSignalName(this.deps.signal),
      runId,
      position: this.position,
      summary,
      resumeCommand: this.deps.resumeCommand,
    };
  }
}

export async function executeBackfill(config: BackfillConfig, deps: BackfillDeps): Promise<BackfillResult> {
  return new Runner(config, deps).execute();
}
