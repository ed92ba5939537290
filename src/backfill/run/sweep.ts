/**
 * The end of a pass: is anything left to write, and does another sweep follow? Only a count over
 * one snapshot proves nothing is left: a sweep that wrote nothing may still have had rows
 * inserted behind its own cursor.
 */
import type { Queryable } from '../../db/port.js';
import { lastPass } from '../../ledger/ranges.js';
import type { Tables } from '../../names.js';
import type { BackfillEvent } from '../events.js';
import type { DirectionOps } from '../sql/direction.js';

export interface PassVerdict {
  /** Rows still eligible in the whole table. */
  remaining: number;
  converged: boolean;
  /** The pass to open next (0 only after a count-first start); null when the run is over. */
  next: number | null;
}

/** Judges the run's last pass and emits the `converge` event. */
export async function judgePass(
  db: Queryable,
  names: Tables,
  ops: DirectionOps,
  runId: number,
  convergePasses: number,
  sink: (event: BackfillEvent) => void,
): Promise<PassVerdict> {
  const last = await lastPass(db, names, runId);
  const pass = last?.pass ?? 0;
  const { rows } = await db.query(ops.remainingQuery(names.usages));
  const remaining = Number(rows[0]!.eligible);
  const converged = remaining === 0;
  // No pass yet: the run began with this count (it follows a completed run); what it finds
  // opens the keyed pass, and sweeps follow that as in any run.
  const next = converged ? null : last === null ? 0 : pass < convergePasses ? pass + 1 : null;
  sink({
    event: 'converge',
    runId,
    pass,
    rowsScanned: last?.rowsScanned ?? 0,
    rowsUpdated: last?.rowsUpdated ?? 0,
    eligibleRemaining: remaining,
    converged,
    nextPass: next,
  });
  return { remaining, converged, next };
}
