/**
 * What one step of a walk did: a key batch, or a page walk's judge or round. The walkers
 * (src/backfill/run) make it; the progress events and the engine's accounts read it.
 */
import type { RangePosition, RunTotals } from '../ledger/checkpoint.js';

/** A step's kind: a key batch (reads and writes its rows), a judge (reads pages), a round (writes at most two rows per page). */
export type StepKind = 'batch' | 'judge' | 'round';

/** What one committed step did, as the ledger records it, and the run's totals after it. */
export interface StepOutcome {
  kind: StepKind;
  /** Rows the step was sized for (the batch size the controller gave it). */
  size: number;
  /** Rows read and counted (0 for a round, and for a judge re-reading pages already counted). */
  scanned: number;
  updated: number;
  applicationWritten: number;
  anomalies: Record<string, number>;
  ms: number;
  position: RangePosition;
  rangeDone: boolean;
  /** The run's totals after this step, all processes; null for a step that recorded nothing. */
  run: RunTotals | null;
  /** Rows the rate limit charges the step for: what it read. */
  charged: number;
  /** A judge that records pages the read-ahead's session read (src/backfill/run/read-ahead.ts). */
  judgedAhead: boolean;
  /** Sessions waiting on the step's row locks just before it committed (0 for a step that locks no table row). */
  blockedSessions: number;
}
