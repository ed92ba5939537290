/**
 * How a run ends: the run's status in the ledger, the `finish` event, and the result returned
 * to the caller.
 */
import { withHint, type ToolkitError } from '../../errors.js';
import type { Queryable } from '../../db/port.js';
import type { RunRow } from '../../ledger/rows.js';
import { finishRun, readRun } from '../../ledger/runs.js';
import type { Tables } from '../../names.js';
import type { Clock } from '../../runtime.js';
import type { BackfillEvent } from '../events.js';
import type { BackfillResult, StopPosition } from '../result.js';
import { resumeHint } from '../resume-command.js';
import type { DirectionOps } from '../sql/direction.js';
import { summarize, type BackfillSummary } from '../summary.js';

export interface Ending {
  /** The session to record on; null when there is none. */
  db: Queryable | null;
  /** The wall clock a run still open is summed up to. */
  clock: Pick<Clock, 'date'>;
  names: Tables;
  sink: (event: BackfillEvent) => void;
  resumeCommand: string;
  /** The database the run works on (host:port/database), named in the resume hint. */
  where: string;
  /** null when the process stopped before a run was chosen. */
  run: RunRow | null;
  /**
   * Whether this process may write the run's status: only the last process on the run (other
   * processes of a --workers run may still be working it).
   */
  mayRecord: () => Promise<boolean>;
}

/** Marks the run completed, with what the last count left and (reverse) what could not be reversed. */
export async function recordCompleted(
  db: Queryable,
  names: Tables,
  ops: DirectionOps,
  runId: number,
  verdict: { remaining: number; unreversible: number },
): Promise<void> {
  await finishRun(db, names, runId, {
    status: 'completed',
    unconvergedRows: verdict.remaining,
    unreversibleRows: ops.direction === 'reverse' ? verdict.unreversible : null,
  });
}

export async function completedResult(
  end: Ending & { db: Queryable; run: RunRow },
  resumed: boolean,
  /** Judged on the run as the ledger has it now: another process may have converged it. */
  converged: (run: RunRow) => boolean,
): Promise<BackfillResult> {
  const run = await readRun(end.db, end.names, end.run.id);
  const summary = summarize(run, end.clock.date());
  end.sink({ event: 'finish', runId: run.id, status: 'completed', summary, resumeCommand: null });
  return { status: 'completed', runId: run.id, resumed, summary, converged: converged(run) };
}

/** A signal, or `aibridge-migrate cancel` (the run's control row, seen by the gate). */
export type StopCause = 'SIGINT' | 'SIGTERM' | 'cancel';

/**
 * Stopped early, every committed batch checkpointed: by a signal, or cancelled. Either way the
 * ledger says `interrupted` (resumable: a later `backfill` continues the run); the caller hears
 * which.
 */
export async function interruptedResult(end: Ending, by: StopCause, position: StopPosition | null): Promise<BackfillResult> {
  const { names, run } = end;
  const stopped = (summary: BackfillSummary | null, runId: number | null): BackfillResult =>
    by === 'cancel'
      ? { status: 'cancelled', runId: runId!, position, summary, resumeCommand: end.resumeCommand }
      : { status: 'interrupted', signal: by, runId, position, summary, resumeCommand: end.resumeCommand };
  if (!run || !end.db) return stopped(null, run?.id ?? null);
  if (await end.mayRecord()) await finishRun(end.db, names, run.id, { status: 'interrupted' });
  const summary = summarize(await readRun(end.db, names, run.id), end.clock.date());
  end.sink({
    event: 'finish',
    runId: run.id,
    status: by === 'cancel' ? 'cancelled' : 'interrupted',
    summary,
    resumeCommand: end.resumeCommand,
  });
  return stopped(summary, run.id);
}

export async function failedResult(end: Ending, error: ToolkitError): Promise<BackfillResult> {
  const { names, run } = end;
  let summary = null;
  if (run && end.db) {
    const db = end.db;
    // Best effort: the session may be the thing that failed.
    if (await end.mayRecord().catch(() => false))
      await finishRun(db, names, run.id, { status: 'failed', lastError: error.message }).catch(() => {});
    summary = await readRun(db, names, run.id)
      .then((latest) => summarize(latest, end.clock.date()))
      .catch(() => null);
  }
  const resumable = run !== null && error.code !== 'PREFLIGHT' && error.code !== 'PERMISSION';
  const resumeCommand = resumable ? end.resumeCommand : null;
  if (run)
    end.sink({ event: 'finish', runId: run.id, status: 'failed', summary: summary ?? summarize(run, end.clock.date()), resumeCommand });
  // The error says how to continue: every caller (the CLI, apply, the API) shows it as it is.
  const shown = resumeCommand ? withHint(error, resumeHint(resumeCommand, end.where)) : error;
  return { status: 'failed', error: shown, runId: run?.id ?? null, summary, resumeCommand };
}
