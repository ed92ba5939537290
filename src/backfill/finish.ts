/**
 * How a run ends, for the single runner and for workers alike: the run's status in the ledger,
 * the `finish` event, and the result returned to the caller.
 */
import type { ConnectionTarget } from '../db/target.js';
import type { ToolkitError } from '../errors.js';
import { translatePgError } from '../db/pg-errors.js';
import type { BackfillDeps } from './deps.js';
import type { DirectionOps } from './direction.js';
import { finishRun, readRun, type Queryable, type RunRow } from './ledger.js';
import type { BackfillResult } from './result.js';
import type { TableNames } from './sql.js';
import { summarize } from './summary.js';

export interface Ending {
  /** The session to record on; null when there is none this process may use. */
  db: Queryable | null;
  names: TableNames;
  deps: Pick<BackfillDeps, 'sink' | 'signal' | 'resumeCommand'>;
  /** null when the process stopped before a run was chosen. */
  run: RunRow | null;
  /**
   * Whether this process may write the run's status. Workers leave it to the last process on
   * the run: the others are still working it.
   */
  mayRecord: () => Promise<boolean>;
}

/**
 * Runs a backfill to its result: an error becomes the failed result, translated for the user.
 * `close` ends the sessions only once that result is recorded, since the failure is written
 * through one of them.
 */
export async function settle(
  connection: ConnectionTarget,
  main: () => Promise<BackfillResult>,
  failed: (error: ToolkitError) => Promise<BackfillResult>,
  close: () => Promise<void>,
): Promise<BackfillResult> {
  try {
    return await main();
  } catch (raw) {
    return await failed(translatePgError(raw, { connection, action: 'running the backfill' }));
  } finally {
    await close();
  }
}

export function abortSignalName(signal: AbortSignal): 'SIGINT' | 'SIGTERM' {
  return signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
}

/** Marks the run completed, with what the last pass left and (reverse) what could not be reversed. */
export async function recordCompleted(db: Queryable, names: TableNames, ops: DirectionOps, runId: number, unconvergedRows: number | null): Promise<void> {
  const unreversible = ops.unreversible ? (await ops.unreversible(db, names.usages)).count : null;
  await finishRun(db, names, runId, { status: 'completed', unconvergedRows, unreversibleRows: unreversible });
}

export async function completedResult(
  db: Queryable,
  end: Pick<Ending, 'names' | 'deps'>,
  runId: number,
  resumed: boolean,
  /** Judged on the run as the ledger has it now: another process may have converged it. */
  converged: (run: RunRow) => boolean,
): Promise<BackfillResult> {
  const run = await readRun(db, end.names, runId);
  const summary = summarize(run, Date.now());
  end.deps.sink({ event: 'finish', runId, status: 'completed', summary, resumeCommand: null });
  return { status: 'completed', runId, resumed, summary, converged: converged(run) };
}

export async function interruptedResult(end: Ending, position: { pass: number; checkpoint: string | null } | null): Promise<BackfillResult> {
  const { names, deps, run } = end;
  const signal = abortSignalName(deps.signal);
  if (!run) return { status: 'interrupted', signal, runId: null, position: null, summary: null, resumeCommand: deps.resumeCommand };
  if (!end.db) throw new Error('no database session');
  if (await end.mayRecord()) await finishRun(end.db, names, run.id, { status: 'interrupted' });
  const summary = summarize(await readRun(end.db, names, run.id), Date.now());
  deps.sink({ event: 'finish', runId: run.id, status: 'interrupted', summary, resumeCommand: deps.resumeCommand });
  return { status: 'interrupted', signal, runId: run.id, position, summary, resumeCommand: deps.resumeCommand };
}

export async function failedResult(end: Ending, error: ToolkitError): Promise<BackfillResult> {
  const { names, deps, run } = end;
  let summary = null;
  if (run && end.db) {
    const db = end.db;
    // Best effort: the session may be the thing that failed.
    if (await end.mayRecord()) await finishRun(db, names, run.id, { status: 'failed', lastError: error.message }).catch(() => {});
    summary = await readRun(db, names, run.id).then((latest) => summarize(latest, Date.now())).catch(() => null);
  }
  const resumable = run !== null && error.code !== 'PREFLIGHT' && error.code !== 'PERMISSION';
  const resumeCommand = resumable ? deps.resumeCommand : null;
  if (run) {
    deps.sink({ event: 'finish', runId: run.id, status: 'failed', summary: summary ?? summarize(run, Date.now()), resumeCommand });
  }
  return { status: 'failed', error, runId: run?.id ?? null, summary, resumeCommand };
}
