/**
 * The server's time limits, judged against a walk that holds one snapshot (one transaction
 * per session) for the whole table. Pure.
 *
 * - statement_timeout bounds each chunk: chunks are aimed at a quarter of it (a chunk may take
 *   twice its aim on a busy server), and at CHUNK_TARGET_MS when it is higher or off. A chunk
 *   it cancels anyway is rolled back to its savepoint and read again in halves (walk.ts).
 * - idle_in_transaction_session_timeout ends a session that sits in its transaction between
 *   statements. A walk does not pause between chunks, but with several sessions one may wait
 *   for the others' last chunks before the next pass; that wait is about one chunk.
 * - transaction_timeout (PostgreSQL 17) bounds the whole transaction, which is the whole walk.
 *   It is judged twice: against a floor before anything is read, and against the time the
 *   rate measured on the first chunks projects for the whole table.
 */
import { PreflightError } from '../errors.js';
import { formatDuration } from '../text/format.js';

/** The limits in force for the session, in ms (0: off). */
export interface SessionLimits {
  statementTimeoutMs: number;
  idleInTransactionMs: number;
  /** null before PostgreSQL 17 (no such setting). */
  transactionTimeoutMs: number | null;
}

/** What a chunk aims at when statement_timeout allows: well under a second. */
export const CHUNK_TARGET_MS = 200;
/** A chunk's aim never goes below this: planning the statement alone takes milliseconds. */
const MIN_CHUNK_TARGET_MS = 5;

export function chunkTargetMs(limits: Pick<SessionLimits, 'statementTimeoutMs'>): number {
  if (limits.statementTimeoutMs <= 0) return CHUNK_TARGET_MS;
  return Math.max(MIN_CHUNK_TARGET_MS, Math.min(CHUNK_TARGET_MS, Math.floor(limits.statementTimeoutMs / 4)));
}

/** The longest a session is left idle in its transaction: a few chunks' aims, at least a second. */
export function idleNeededMs(limits: Pick<SessionLimits, 'statementTimeoutMs'>): number {
  return Math.max(1_000, 5 * chunkTargetMs(limits));
}

/** The shortest transaction_timeout a walk starts under: ten chunks' aims, at least two seconds. */
export function transactionFloorMs(limits: Pick<SessionLimits, 'statementTimeoutMs'>): number {
  return Math.max(2_000, 10 * chunkTargetMs(limits));
}

const FIX = 'for the role this runs as (ALTER ROLE … SET …, or in the database URL: ?options=-c%20name%3Dvalue)';

/** The limits that make a one-snapshot walk impossible, before it starts; null when none does. */
export function limitProblem(limits: SessionLimits, command: string): PreflightError | null {
  const idle = idleNeededMs(limits);
  if (limits.idleInTransactionMs > 0 && limits.idleInTransactionMs < idle) {
    return new PreflightError(
      `idle_in_transaction_session_timeout is ${formatDuration(limits.idleInTransactionMs)} for this session: ${command} reads the table in chunks inside one transaction per session (one snapshot), and a session may wait between two statements for the other sessions' chunks, about one chunk (aimed at ${formatDuration(chunkTargetMs(limits))}); it needs at least ${formatDuration(idle)}`,
      {
        hint: `Raise idle_in_transaction_session_timeout to ${formatDuration(idle)} or more ${FIX}, or turn it off for this session.`,
        details: { setting: 'idle_in_transaction_session_timeout', value_ms: limits.idleInTransactionMs, needed_ms: idle },
      },
    );
  }
  const floor = transactionFloorMs(limits);
  if (limits.transactionTimeoutMs !== null && limits.transactionTimeoutMs > 0 && limits.transactionTimeoutMs < floor) {
    return new PreflightError(
      `transaction_timeout is ${formatDuration(limits.transactionTimeoutMs)} for this session: ${command} reads the whole table inside one transaction (one snapshot), and below ${formatDuration(floor)} not even a small table's walk is sure to fit`,
      {
        hint: `Raise transaction_timeout ${FIX} to more than the walk takes (the progress line's ETA says how long), or turn it off for this session.`,
        details: { setting: 'transaction_timeout', value_ms: limits.transactionTimeoutMs, needed_ms: floor },
      },
    );
  }
  return null;
}

/** Before judging a projection: this much of the walk done, or this long spent on it. */
const PROJECT_AFTER = { fraction: 0.05, ms: 1_000 } as const;
/** The walk is followed by shorter passes (samples, sessions): the projection is taken with this margin. */
const PROJECTION_MARGIN = 1.25;

/**
 * Whether the walk, at the rate measured so far, would outlast transaction_timeout: null to go
 * on. `elapsedMs` counts from the transaction's start; `walkMs` and `fraction` describe the
 * walk itself (a pass may start later in the transaction).
 */
export function projectionProblem(
  limits: SessionLimits,
  progress: { elapsedMs: number; walkMs: number; fraction: number },
  command: string,
): PreflightError | null {
  const limit = limits.transactionTimeoutMs;
  if (limit === null || limit <= 0) return null;
  if (progress.fraction >= 1 || progress.fraction <= 0) return null;
  if (progress.fraction < PROJECT_AFTER.fraction && progress.walkMs < PROJECT_AFTER.ms) return null;
  const remainingMs = (progress.walkMs / progress.fraction) * (1 - progress.fraction);
  const projectedMs = progress.elapsedMs + remainingMs * PROJECTION_MARGIN;
  if (projectedMs <= limit) return null;
  return new PreflightError(
    `transaction_timeout is ${formatDuration(limit)} for this session, but at the rate measured so far ${command} needs about ${formatDuration(projectedMs)} in its one transaction (one snapshot); stopped after ${Math.floor(progress.fraction * 100)}% of the table, before the server would end it`,
    {
      hint: `Raise transaction_timeout ${FIX} above ${formatDuration(projectedMs)}, or turn it off for this session.`,
      details: { setting: 'transaction_timeout', value_ms: limit, projected_ms: Math.round(projectedMs) },
    },
  );
}
