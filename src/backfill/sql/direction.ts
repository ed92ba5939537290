/**
 * What differs between the forward run (fill the columns from metadata) and the reverse run
 * (copy the columns back into metadata): the batch statement, and the count that says whether
 * a sweep is still needed. Everything else — ranges, checkpoints, retries, lanes, throttle —
 * is shared.
 */
import type { Queryable } from '../../db/port.js';
import type { Direction } from '../../ledger/rows.js';
import { eligibleCountQuery, batchStatement } from './forward.js';
import type { KeyBounds, Statement } from './keyset.js';
import { reverseBatchStatement, reverseRemainingQuery, unreversibleQuery } from './reverse.js';

export interface DirectionOps {
  direction: Direction;
  /**
   * One batch over (lo, hi] in one statement; its one row has `scanned`, `updated`,
   * `app_written`, `last_id` and `anomalies` (a {label: count} object).
   */
  statement(usages: string, bounds: KeyBounds): Statement;
  /** SQL returning one row, `eligible`: rows a sweep would still write, over one snapshot. */
  remainingQuery(usages: string): string;
  /** Reverse only: rows that need reversing but cannot be, counted at the end of the run. */
  unreversible?(db: Queryable, usages: string): Promise<{ count: number; sampleIds: string[] }>;
}

export const FORWARD: DirectionOps = {
  direction: 'forward',
  statement: batchStatement,
  remainingQuery: eligibleCountQuery,
};

export const REVERSE: DirectionOps = {
  direction: 'reverse',
  statement: reverseBatchStatement,
  remainingQuery: reverseRemainingQuery,
  async unreversible(db, usages) {
    const { rows } = await db.query<{ n: string; sample_ids: string[] | null }>(unreversibleQuery(usages));
    return { count: Number(rows[0]?.n ?? 0), sampleIds: rows[0]?.sample_ids ?? [] };
  },
};

export function directionOps(reverse: boolean): DirectionOps {
  return reverse ? REVERSE : FORWARD;
}
