/**
 * Where a scan's progress events go: JSON lines, or a line for people (src/text/live-line.ts,
 * the same live line as the backfill's). Both on stderr, whose stdout carries the report.
 */
import type { Clock } from '../runtime.js';
import { formatCount, formatDuration } from '../text/format.js';
import { jsonLine } from '../text/json-line.js';
import { LiveLine, type LiveLineOptions } from '../text/live-line.js';
import type { ProgressParts } from '../text/progress-line.js';
import type { ScanEvent, ScanPass, ScanSink } from './events.js';
import type { WalkProgress } from './walk.js';

/** One JSON line per event, dated by `clock`. */
export function jsonScanSink(write: (text: string) => void, clock: Pick<Clock, 'date'>): ScanSink {
  return (event) => write(`${jsonLine(event, clock.date())}\n`);
}

const PASS_WHAT: Record<ScanPass, string> = {
  rows: 'rows',
  samples: 'rows (sample rows)',
  sessions: 'rows (sessions of failing rows)',
  session_totals: 'interceptions (totals of the sessions listed)',
};

type ChunkEvent = Extract<ScanEvent, { event: 'chunk' }>;

export function chunkParts(event: ChunkEvent): ProgressParts {
  const total = Math.max(event.estimatedRows, event.rowsScanned);
  return {
    done: event.rowsScanned,
    total,
    head: `${formatCount(event.rowsScanned)}/~${formatCount(total)} ${PASS_WHAT[event.pass]}`,
    parts: [
      { text: `${event.rowsPerSecond === null ? '?' : formatCount(event.rowsPerSecond)} rows/s`, rank: 2 },
      { text: `ETA ${formatDuration(event.etaMs)}`, rank: 3 },
      { text: `chunk ${formatCount(event.chunkRows)} in ${formatDuration(event.chunkMs)}`, rank: 1 },
    ],
  };
}

/** A later pass (samples, sessions) shows a live line only once it has run this long. */
const QUIET_PASS_MS = 1_000;

/**
 * Progress for people: the start, a live line per pass, a line when a pass ends. The read of
 * every row always leaves its last line and a summary; the later passes, mostly a few chunks,
 * only when they take a while.
 */
export function textScanSink(options: LiveLineOptions): ScanSink {
  const live = new LiveLine(options);
  let passStarted: number | null = null;
  return (event) => {
    switch (event.event) {
      case 'start':
        live.line(
          `${event.command}: ${event.samplePercent === null ? `~${formatCount(event.estimatedRows)} rows` : `~${event.samplePercent}% of the pages (~${formatCount(event.estimatedRows)} rows)`}, one snapshot, ${event.sessions} session${event.sessions === 1 ? '' : 's'}, chunks of ${formatDuration(event.chunkTargetMs)}`,
        );
        return;
      case 'chunk': {
        const now = options.clock.now();
        passStarted ??= now - event.chunkMs;
        if (event.pass !== 'rows' && now - passStarted < QUIET_PASS_MS) return;
        live.progress(chunkParts(event), event.percent >= 100);
        return;
      }
      case 'pass':
        passStarted = null;
        if (event.pass === 'rows' || event.durationMs >= QUIET_PASS_MS) live.end();
        else live.clear();
        if (event.pass === 'rows' || event.durationMs >= QUIET_PASS_MS) {
          live.line(
            `${event.command}: ${event.pass === 'rows' ? 'read' : `${event.pass.replace('_', ' ')} pass:`} ${formatCount(event.rowsScanned)} ${event.pass === 'session_totals' ? 'interceptions' : 'rows'} in ${formatCount(event.chunks)} chunk${event.chunks === 1 ? '' : 's'}, ${formatDuration(event.durationMs)} (longest chunk ${formatDuration(event.longestChunkMs)}${event.retries > 0 ? `, ${event.retries} read again after a timeout` : ''})`,
          );
        }
        return;
      case 'finish':
        live.end();
        return;
    }
  };
}

/** A walk's progress as a `chunk` event: the rate over the pass so far and the time left at it. */
export function chunkEvent(command: string, pass: ScanPass, progress: WalkProgress): ChunkEvent {
  const rate = progress.elapsedMs > 0 && progress.rowsDone > 0 ? (progress.rowsDone * 1000) / progress.elapsedMs : null;
  const remaining = Math.max(0, progress.estimatedRows - progress.rowsDone);
  return {
    event: 'chunk',
    command,
    pass,
    chunks: progress.chunks,
    rowsScanned: progress.rowsDone,
    estimatedRows: Math.max(progress.estimatedRows, progress.rowsDone),
    percent: Math.floor(progress.fraction * 100),
    rowsPerSecond: rate === null ? null : Math.round(rate),
    etaMs: rate === null ? null : progress.fraction >= 1 ? 0 : Math.round((remaining / rate) * 1000),
    chunkRows: progress.lastChunk.rows,
    chunkMs: Math.round(progress.lastChunk.ms),
  };
}
