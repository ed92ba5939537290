/**
 * One reverse batch: the same shape as a forward batch (batch.ts) — one short transaction that
 * finds the batch's upper key, rewrites the metadata of the rows that need it, and records the
 * checkpoint — so the reverse run is resumable and crash-safe in exactly the same way.
 */
import type { BatchOutcome, BatchTimeouts } from './batch.js';
import type { Clock } from './deps.js';
import { recordBatch, type Queryable, type RangeRow } from './ledger.js';
import { reverseBatchStatement } from './reverse-sql.js';
import { upperBoundQuery, type TableNames } from './sql.js';

export async function runReverseBatch(
  db: Queryable,
  names: TableNames,
  range: RangeRow,
  size: number,
  timeouts: BatchTimeouts,
  clock: Clock,
  beforeCommit?: (db: Queryable) => Promise<void>,
): Promise<BatchOutcome> {
  const started = clock.now();
  const lo = range.checkpoint ?? range.lo;
  await db.query('BEGIN');
  try {
    await db.query(`SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true)`, [
      `${timeouts.statementTimeoutMs}ms`,
      `${timeouts.lockTimeoutMs}ms`,
    ]);
    const bound = upperBoundQuery(names.usages, { lo, hi: range.hi }, size);
    const { rows: boundRows } = await db.query<{ id: string }>(bound.text, bound.values);
    const upper = boundRows[0]?.id ?? null;
    const rangeDone = upper === null;
    const hi = upper ?? range.hi;
    const statement = reverseBatchStatement(names.usages, { lo, hi });
    const { rows } = await db.query(statement.text, statement.values);
    const stats = rows[0]!;
    const anomalies: Record<string, number> = {};
    for (const [k, v] of Object.entries((stats.anomalies ?? {}) as Record<string, unknown>)) anomalies[k] = Number(v);
    const checkpoint = hi ?? (stats.last_id as string | null) ?? lo;
    const outcome: BatchOutcome = {
      lo,
      checkpoint,
      rangeDone,
      scanned: Number(stats.scanned),
      updated: Number(stats.updated),
      applicationWritten: Number(stats.app_written),
      anomalies,
      ms: clock.now() - started,
    };
    // Before the ledger write: it locks the run's row, which parallel workers all update.
    if (beforeCommit) await beforeCommit(db);
    await recordBatch(db, names, {
      runId: range.runId,
      rangeNo: range.rangeNo,
      pass: range.pass,
      checkpoint,
      rangeDone,
      scanned: outcome.scanned,
      updated: outcome.updated,
      applicationWritten: outcome.applicationWritten,
      anomalies,
      ms: outcome.ms,
    });
    await db.query('COMMIT');
    outcome.ms = clock.now() - started;
    return outcome;
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
