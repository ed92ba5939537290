/**
 * What differs between the forward run (fill the columns from metadata) and the reverse run
 * (copy the columns back into metadata): the batch statement, and the count that says whether
 * a sweep is still needed. Everything else — ranges, checkpoints, retries, workers, throttle —
 * is shared.
 */
import { batchRunner, runBatch, type BatchFn } from './batch.js';
import type { Direction, Queryable } from './ledger.js';
import { reverseBatchStatement, reverseRemainingQuery, unreversibleQuery } from './reverse-sql.js';
import { eligibleCountQuery } from './sql.js';

export interface DirectionOps {
  direction: Direction;
  runBatch: BatchFn;
  /** SQL returning one row, `eligible`: rows a sweep would still write, over one snapshot. */
  remainingQuery(usages: string): string;
  /** Reverse only: rows that need reversing but cannot be, counted at the end of the run. */
  unreversible?(db: Queryable, usages: string): Promise<{ count: number; sampleIds: string[] }>;
}

export const FORWARD: DirectionOps = {
  direction: 'forward',
  runBatch,
  remainingQuery: eligibleCountQuery,
};

export const REVERSE: DirectionOps = {
  direction: 'reverse',
  // Same transaction as a forward batch, so the reverse run is resumable and crash-safe alike.
  runBatch: batchRunner(reverseBatchStatement),
  remainingQuery: reverseRemainingQuery,
  async unreversible(db, usages) {
    const { rows } = await db.query<{ n: string; sample_ids: string[] | null }>(unreversibleQuery(usages));
    return { count: Number(rows[0]?.n ?? 0), sampleIds: rows[0]?.sample_ids ?? [] };
  },
};

export function directionOps(reverse: boolean): DirectionOps {
  return reverse ? REVERSE : FORWARD;
}
