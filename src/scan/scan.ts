/**
 * A whole-table read in one snapshot, pass by pass: what verify and `backfill --dry-run` share.
 * It sizes each pass's chunks to the session's limits, walks them on the snapshot's sessions,
 * reports progress, and refuses the limits no walk can live with (limits.ts).
 */
import { TID_RANGE_SCAN_VERSION } from '../db/server-version.js';
import type { DbRow } from '../db/row.js';
import { PreflightError } from '../errors.js';
import type { Clock } from '../runtime.js';
import { censusStatement, type CensusScope, type CensusStatement } from './census.js';
import type { ScanPass, ScanSink } from './events.js';
import type { PageSpan } from '../db/page-span.js';
import { InterceptionSteering } from './interceptions.js';
import { chunkTargetMs, limitProblem } from './limits.js';
import { ChunkPlan, type ChunkSizer, type WalkShape } from './plan.js';
import { chunkEvent } from './progress.js';
import type { Snapshot } from './snapshot.js';
import { readCensus, Tally, type CensusGroup } from './tally.js';
import { walk, type ChunkJob, type ChunkStatement, type WalkStats } from './walk.js';
import type { ScanWindow } from './windows.js';

export interface ScanOptions {
  snapshot: Snapshot;
  /** Named in progress and messages: `verify`, `backfill --dry-run`. */
  command: string;
  sink: ScanSink;
  clock: Pick<Clock, 'now'>;
  /** A sizer aimed at `targetMs` (src/backfill/policy/chunk-sizer.ts). */
  sizer: (targetMs: number) => ChunkSizer;
}

/** One census chunk the caller kept (see census()), with where its interceptions were joined from. */
export interface CensusChunk {
  window: ScanWindow;
  interceptionWindow: PageSpan | null;
  groups: CensusGroup[];
}

export interface CensusResult {
  tally: Tally;
  /** The chunks `keep` kept, in table order. */
  chunks: CensusChunk[];
  stats: WalkStats;
}

export class Scan {
  readonly startedAt: number;
  /** Chunks are heap pages (14+) rather than key slices. */
  readonly byPages: boolean;
  readonly chunkTargetMs: number;

  constructor(private readonly options: ScanOptions) {
    this.startedAt = options.clock.now();
    const facts = options.snapshot.facts;
    this.byPages = facts.serverVersionNum >= TID_RANGE_SCAN_VERSION;
    this.chunkTargetMs = chunkTargetMs(facts.limits);
  }

  /** Refuses a session whose limits no one-snapshot walk can live with. */
  checkLimits(): void {
    const problem: PreflightError | null = limitProblem(this.options.snapshot.facts.limits, this.options.command);
    if (problem) throw problem;
  }

  /** The walk over every row: pages, or key slices before 14. */
  wholeTable(): WalkShape {
    const { facts } = this.options.snapshot;
    return this.byPages
      ? { by: 'pages', pages: facts.pages.usages, estimatedRows: facts.estimatedRows }
      : { by: 'keys', estimatedRows: facts.estimatedRows };
  }

  start(by: ScanWindow['by'], estimatedRows: number, samplePercent: number | null): void {
    this.options.sink({
      event: 'start',
      command: this.options.command,
      snapshotAt: this.options.snapshot.facts.takenAt,
      sessions: this.options.snapshot.sessions,
      by,
      estimatedRows: Math.max(0, Math.round(estimatedRows)),
      chunkTargetMs: this.chunkTargetMs,
      samplePercent,
    });
  }

  /** One pass: `shape`'s windows through `job`, on every session or on the leader alone. */
  async pass<S extends ChunkStatement>(pass: ScanPass, shape: WalkShape, job: ChunkJob<S>, sessions: 'all' | 'leader'): Promise<WalkStats> {
    const { snapshot, clock, command, sink } = this.options;
    const options = {
      plan: new ChunkPlan(shape, this.options.sizer(this.chunkTargetMs)),
      job,
      clock,
      limits: snapshot.facts.limits,
      transactionStartedAt: this.startedAt,
      command,
      onProgress: (progress: Parameters<NonNullable<Parameters<typeof walk>[0]['onProgress']>>[0]) =>
        sink(chunkEvent(command, pass, progress)),
    };
    const stats =
      sessions === 'all'
        ? await snapshot.withSessions((all) => walk({ ...options, sessions: all }))
        : await walk({ ...options, sessions: [snapshot.db] });
    sink({
      event: 'pass',
      command,
      pass,
      chunks: stats.chunks,
      rowsScanned: stats.rows,
      durationMs: Math.round(stats.ms),
      longestChunkMs: Math.round(stats.longestChunkMs),
      retries: stats.retries,
    });
    return stats;
  }

  /**
   * The census of `shape` (every row by default): summed into a tally, and each chunk for
   * which `keep` says so kept with its groups, for later passes that look only there.
   */
  async census(
    scope: CensusScope,
    options: { shape?: WalkShape; createdAfter?: Date | null; keep: (groups: readonly CensusGroup[], window: ScanWindow) => boolean },
  ): Promise<CensusResult> {
    const { facts } = this.options.snapshot;
    const shape = options.shape ?? this.wholeTable();
    const tally = new Tally();
    const chunks: CensusChunk[] = [];
    // The interceptions' window follows the walk over heap pages; key slices and samples
    // scatter over the heap, and look every interception up by index.
    const steering = shape.by === 'pages' && scope.interceptions !== null ? new InterceptionSteering(facts.pages) : null;
    const job: ChunkJob<CensusStatement & { interceptionWindow: PageSpan | null }> = {
      statement(window) {
        const interceptionWindow = steering && window.by === 'pages' ? steering.windowFor(window) : null;
        return {
          ...censusStatement(scope, window, interceptionWindow, { createdAfter: options.createdAfter ?? null }),
          interceptionWindow,
        };
      },
      consume(window, rows, statement) {
        const { groups, spread } = readCensus(rows);
        tally.add(groups);
        if (steering && statement.spreadPages) steering.observe({ ...statement.spreadPages, ...spread });
        if (options.keep(groups, window)) chunks.push({ window, interceptionWindow: statement.interceptionWindow, groups });
        return groups.reduce((sum, g) => sum + g.rows, 0);
      },
    };
    const stats = await this.pass('rows', shape, job, 'all');
    const at = (w: ScanWindow) => (w.by === 'sample' ? w.seed : w.from);
    chunks.sort((a, b) => at(a.window) - at(b.window));
    return { tally, chunks, stats };
  }

  /**
   * Up to `limit` rows from `windows`, the first found in table order: a samples pass on the
   * leader alone that starts no chunk once it has enough. `statement` is told how many are
   * still wanted.
   */
  async sample<T>(
    windows: ScanWindow[],
    limit: number,
    statement: (window: ScanWindow, wanted: number) => ChunkStatement,
    rowOf: (row: DbRow) => T,
  ): Promise<T[]> {
    const found: T[] = [];
    await this.pass(
      'samples',
      { by: 'list', windows, estimatedRows: 0 },
      {
        statement: (window) => statement(window, limit - found.length),
        consume: (_window, rows) => {
          found.push(...rows.map(rowOf).slice(0, limit - found.length));
          return rows.length;
        },
        enough: () => found.length >= limit,
      },
      'leader',
    );
    return found;
  }

  finish(): void {
    this.options.sink({
      event: 'finish',
      command: this.options.command,
      durationMs: Math.round(this.options.clock.now() - this.startedAt),
    });
  }

  /** From the snapshot's transaction start to now. */
  elapsedMs(): number {
    return this.options.clock.now() - this.startedAt;
  }
}
