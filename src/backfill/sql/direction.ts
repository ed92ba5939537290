/**
 * What differs between the forward run (fill the columns from metadata) and the reverse run
 * (copy the columns back into metadata): the batch statement and the count that ends a pass.
 * Everything else — ranges, checkpoints, retries, lanes, throttle — is shared.
 */
import type { Direction } from '../../ledger/rows.js';
import { batchStatement, eligibleCountStatement } from './forward.js';
import type { CountWindow, KeyWindow, Statement } from './keyset.js';
import { reverseBatchStatement, reverseCountStatement } from './reverse.js';

export interface DirectionOps {
  direction: Direction;
  /**
   * One batch over a key window in one statement; its one row has `scanned`, `updated`,
   * `app_written`, `existed`, `last_id` and `anomalies` (a {class: rows} object).
   */
  batch(usages: string, window: KeyWindow): Statement;
  /**
   * One chunk of the count that ends a pass; its one row has `scanned`, `eligible` (rows a sweep
   * would still write), `existed`, `unreversible` (reverse only) and `last_id`.
   */
  count(usages: string, window: CountWindow): Statement;
}

export const FORWARD: DirectionOps = { direction: 'forward', batch: batchStatement, count: eligibleCountStatement };

export const REVERSE: DirectionOps = { direction: 'reverse', batch: reverseBatchStatement, count: reverseCountStatement };

export function directionOps(reverse: boolean): DirectionOps {
  return reverse ? REVERSE : FORWARD;
}
