/**
 * The end of a pass: is anything left to write, and does another sweep follow? The count walks
 * the whole table in key order, a chunk per statement, each in its own snapshot and each as
 * short as a batch — no statement reads the whole table, so none holds a snapshot (and with
 * it vacuum's horizon) for long.
 *
 * What it proves is what a batch proves: each key was looked at, at some instant of the walk,
 * and found with nothing left to write. A row inserted behind the walk after its chunk was
 * counted is found by the next run, exactly as one inserted after a single-snapshot count
 * would be. Keys never move, so no row is counted twice or skipped.
 */
import type { Queryable } from '../../db/port.js';
import { lastPass } from '../../ledger/ranges.js';
import { recordRowsAtStart } from '../../ledger/runs.js';
import type { Tables } from '../../names.js';
import type { Clock } from '../../runtime.js';
import type { BackfillEvent } from '../events.js';
import { initialController, observeBatch, type ControllerSettings } from '../policy/controller.js';
import type { DirectionOps } from '../sql/direction.js';

export interface CountTotals {
  /** Rows a sweep would still write. */
  eligible: number;
  /** Rows created before the run began. */
  existed: number;
  /** Reverse: rows that need reversing but cannot be. */
  unreversible: number;
}

export interface CountWalk {
  ops: DirectionOps;
  tables: Tables;
  controllerSettings: ControllerSettings;
  runStartedAt: Date;
  clock: Clock;
  stop: AbortSignal;
}

/** Counts the whole table chunk by chunk; null when stopped half way (nothing was written). */
export async function countWalk(db: Queryable, walk: CountWalk): Promise<CountTotals | null> {
  const totals: CountTotals = { eligible: 0, existed: 0, unreversible: 0 };
  let controller = initialController(walk.controllerSettings);
  let lo: string | null = null;
  for (;;) {
    if (walk.stop.aborted) return null;
    const size = controller.size;
    const statement = walk.ops.count(walk.tables.usages, { lo, hi: null, size, existedBefore: walk.runStartedAt });
    const started = walk.clock.now();
    const { rows } = await db.query(statement.text, statement.values);
    const chunk = rows[0]!;
    const scanned = Number(chunk.scanned);
    totals.eligible += Number(chunk.eligible);
    totals.existed += Number(chunk.existed);
    totals.unreversible += Number(chunk.unreversible);
    controller = observeBatch(controller, walk.controllerSettings, { rows: scanned, ms: walk.clock.now() - started });
    if (scanned < size) return totals;
    lo = chunk.last_id as string;
  }
}

export interface PassVerdict {
  /** Rows still eligible in the whole table. */
  remaining: number;
  /** Reverse: rows that need reversing but cannot be. */
  unreversible: number;
  converged: boolean;
  /** The pass to open next (0 only after a count-first start); null when the run is over. */
  next: number | null;
}

/**
 * Judges the run's last pass and emits the `converge` event; null when stopped during the
 * count. The count of a run that starts by counting (it follows a completed run) also measures
 * the rows that existed when it began.
 */
export async function judgePass(
  db: Queryable,
  walk: CountWalk,
  run: { id: number; convergePasses: number; countsRowsAtStart: boolean },
  sink: (event: BackfillEvent) => void,
): Promise<PassVerdict | null> {
  const last = await lastPass(db, walk.tables, run.id);
  const pass = last?.pass ?? 0;
  const totals = await countWalk(db, walk);
  if (totals === null) return null;
  // No pass yet: the run began with this count; what it finds opens the keyed pass, and sweeps
  // follow that as in any run.
  if (last === null && run.countsRowsAtStart) await recordRowsAtStart(db, walk.tables, run.id, totals.existed);
  const remaining = totals.eligible;
  const converged = remaining === 0;
  const next = converged ? null : last === null ? 0 : pass < run.convergePasses ? pass + 1 : null;
  sink({
    event: 'converge',
    runId: run.id,
    pass,
    rowsScanned: last?.rowsScanned ?? 0,
    rowsUpdated: last?.rowsUpdated ?? 0,
    eligibleRemaining: remaining,
    converged,
    nextPass: next,
  });
  return { remaining, unreversible: totals.unreversible, converged, next };
}
