/**
 * One pass over a table, a chunk per statement, on every session of one snapshot at once.
 *
 * Each session takes the next window from the shared plan, runs the chunk's statement inside a
 * savepoint, and hands the rows to the job. A chunk cancelled by statement_timeout (57014) or
 * lock_timeout (55P03) is rolled back to its savepoint — the transaction, and with it the
 * snapshot, stays usable — and comes back to the plan in halves (a single page as it was),
 * a bounded number of times. Any other failure stops every session and is thrown.
 */
import { sqlState } from '../db/pg-errors.js';
import type { DbRow } from '../db/row.js';
import type { Queryable } from '../db/port.js';
import { setLocal, withSavepoint } from '../db/transaction.js';
import { ToolkitError } from '../errors.js';
import type { Clock } from '../runtime.js';
import { formatDuration } from '../text/format.js';
import { projectionProblem, type SessionLimits } from './limits.js';
import type { ChunkPlan } from './plan.js';
import type { ScanWindow } from './windows.js';

export interface ChunkStatement {
  text: string;
  values: unknown[];
  /** Planner settings for the statement (set_config(…, true): local to the transaction). */
  settings: Record<string, string>;
}

/** What a pass does with each chunk. Called from several sessions, one chunk at a time each. */
export interface ChunkJob<S extends ChunkStatement = ChunkStatement> {
  statement(window: ScanWindow): S;
  /** The chunk's rows; returns how many table rows the chunk read (for sizing and progress). */
  consume(window: ScanWindow, rows: DbRow[], statement: S): number;
  /** True once the pass has what it needs (samples): no more chunks are started. */
  enough?(): boolean;
}

/** How a pass is going, after each chunk. */
export interface WalkProgress {
  chunks: number;
  rowsDone: number;
  estimatedRows: number;
  fraction: number;
  elapsedMs: number;
  lastChunk: { rows: number; ms: number };
}

export interface WalkOptions<S extends ChunkStatement = ChunkStatement> {
  plan: ChunkPlan;
  sessions: readonly Queryable[];
  job: ChunkJob<S>;
  clock: Pick<Clock, 'now'>;
  limits: SessionLimits;
  /** When the snapshot's transaction began (clock.now() time), for transaction_timeout. */
  transactionStartedAt: number;
  /** Named in messages: `verify`, `backfill --dry-run`. */
  command: string;
  onProgress?: (progress: WalkProgress) => void;
}

export interface WalkStats {
  chunks: number;
  rows: number;
  ms: number;
  longestChunkMs: number;
  /** Chunks read again after statement_timeout or lock_timeout cancelled them. */
  retries: number;
}

/** A window read again this many times without success ends the walk. */
export const MAX_ATTEMPTS = 8;
const RETRYABLE = new Set(['57014', '55P03']);

export async function walk<S extends ChunkStatement>(options: WalkOptions<S>): Promise<WalkStats> {
  const { plan, job, clock } = options;
  const started = clock.now();
  const stats: WalkStats = { chunks: 0, rows: 0, ms: 0, longestChunkMs: 0, retries: 0 };
  const attempts = new Map<string, number>();
  let failure: unknown = null;

  const runSession = async (db: Queryable) => {
    const applied = new Map<string, string>();
    while (failure === null && !job.enough?.()) {
      const window = plan.next();
      if (!window) return;
      const statement = job.statement(window);
      const changed = Object.entries(statement.settings).filter(([name, value]) => applied.get(name) !== value);
      try {
        if (changed.length > 0) {
          await setLocal(db, Object.fromEntries(changed));
          for (const [name, value] of changed) applied.set(name, value);
        }
        const chunkStarted = clock.now();
        const { rows } = await withSavepoint(db, (tx) => tx.query(statement.text, statement.values));
        const ms = clock.now() - chunkStarted;
        const read = job.consume(window, rows, statement);
        plan.done(window, { rows: read, ms });
        stats.chunks += 1;
        stats.rows += read;
        stats.longestChunkMs = Math.max(stats.longestChunkMs, ms);
        const progress = plan.progress();
        const elapsedMs = clock.now() - started;
        options.onProgress?.({ chunks: stats.chunks, ...progress, elapsedMs, lastChunk: { rows: read, ms } });
        const problem = projectionProblem(
          options.limits,
          { elapsedMs: clock.now() - options.transactionStartedAt, walkMs: elapsedMs, fraction: progress.fraction },
          options.command,
        );
        if (problem) throw problem;
      } catch (error) {
        const code = sqlState(error);
        const key = JSON.stringify(window);
        const tries = (attempts.get(key) ?? 0) + 1;
        if (code !== undefined && RETRYABLE.has(code) && tries < MAX_ATTEMPTS && failure === null) {
          stats.retries += 1;
          for (const part of plan.retry(window)) attempts.set(JSON.stringify(part), tries);
          continue;
        }
        failure ??= code !== undefined && RETRYABLE.has(code) ? gaveUp(window, tries, options, error) : error;
        return;
      }
    }
  };
  await Promise.all(options.sessions.map(runSession));
  if (failure !== null) throw failure;
  stats.ms = clock.now() - started;
  return stats;
}

function gaveUp(window: ScanWindow, tries: number, options: Pick<WalkOptions, 'command' | 'limits'>, cause: unknown): ToolkitError {
  const what = window.by === 'pages' ? `heap page${window.to - window.from > 1 ? 's' : ''} ${window.from}–${window.to - 1}` : 'one chunk';
  return new ToolkitError(
    'RETRIES_EXHAUSTED',
    `${options.command}: reading ${what} was cancelled ${tries} times (statement_timeout ${formatDuration(options.limits.statementTimeoutMs)}, or a lock wait), even at its smallest`,
    {
      hint: 'A single chunk should take milliseconds: the server is overloaded, or a lock is held on the table for long. Try again later, or raise statement_timeout for this role.',
      cause,
    },
  );
}
