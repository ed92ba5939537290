/**
 * Progress sinks. Each takes the events of a run and writes them somewhere: JSON lines for
 * machines, a live bar on a terminal, a plain line every few seconds otherwise.
 */
import type { Clock } from '../../runtime.js';
import { formatCount, formatDuration } from '../../text/format.js';
import { LiveLine, type LiveLineOptions } from '../../text/live-line.js';
import { fitProgressLine, progressText, type ProgressParts } from '../../text/progress-line.js';
import { eventJson, type BackfillEvent } from '../events.js';

export type Sink = (event: BackfillEvent) => void;

/** The line a process prints when it sees the run's control change (from any host). */
export function controlText(event: Extract<BackfillEvent, { event: 'control' }>): string {
  const limits = [
    event.maxRowsPerSecond === null ? null : `at most ${formatCount(event.maxRowsPerSecond)} rows/s per process`,
    event.targetBatchMs === null ? null : `batches aimed at ${event.targetBatchMs} ms`,
  ].filter((p): p is string => p !== null);
  const state =
    event.state === 'paused'
      ? 'paused: lanes hold after their current batch until `aibridge-migrate resume`'
      : event.state === 'cancel_requested'
        ? 'cancelled: lanes stop after their current batch (checkpointed)'
        : 'running';
  return `run #${event.runId} control: ${state}${limits.length > 0 ? `; throttled: ${limits.join(', ')}` : ''}`;
}

/** Each line is dated by `clock`; `startFields` are added to the `start` line (the CLI names the config file it read there). */
export function jsonLinesSink(write: (text: string) => void, clock: Pick<Clock, 'date'>, startFields: Record<string, unknown> = {}): Sink {
  return (event) => {
    const line = eventJson(event, clock.date());
    write(
      `${event.event === 'start' && Object.keys(startFields).length > 0 ? JSON.stringify({ ...JSON.parse(line), ...startFields }) : line}\n`,
    );
  };
}

type BatchEvent = Extract<BackfillEvent, { event: 'batch' }>;

function progressParts(event: BatchEvent): ProgressParts {
  const total = Math.max(event.estimatedRows, event.passRowsScanned);
  const what = event.pass === 0 ? 'rows' : `rows (convergence sweep ${event.pass})`;
  return {
    done: event.passRowsScanned,
    total,
    head: `${formatCount(event.passRowsScanned)}/~${formatCount(total)} ${what}`,
    parts: [
      { text: `${formatCount(event.totalRowsUpdated)} updated`, rank: 2 },
      { text: `${event.rowsPerSecond === null ? '?' : formatCount(event.rowsPerSecond)} rows/s`, rank: 3 },
      { text: `ETA ${formatDuration(event.etaMs)}`, rank: 4 },
      { text: `batch ${formatCount(event.batchSize)}`, rank: 1 },
    ],
  };
}

/** One line of progress, without colour: shared by the bar and the plain lines. */
export function batchProgressText(event: BatchEvent): string {
  return progressText(progressParts(event));
}

/** The live line for a terminal `columns` wide (src/text/progress-line.ts). */
export function batchProgressLine(event: BatchEvent, columns: number | undefined): string {
  return fitProgressLine(progressParts(event), columns);
}

export type TextSinkOptions = Omit<LiveLineOptions, 'label'>;

/** Progress for humans, on stderr. Start, retries and sweeps get a line of their own. */
export function textSink(options: TextSinkOptions): Sink {
  const live = new LiveLine({ ...options, label: 'backfill' });
  let lastPauseLine = Number.NEGATIVE_INFINITY;
  let keyedPass = true;
  const line = (text: string) => live.line(text);
  return (event) => {
    switch (event.event) {
      case 'start':
        keyedPass = event.keyedPass;
        line(
          `${event.direction === 'reverse' ? 'reverse ' : ''}backfill run #${event.runId} ${event.resumed ? (event.workers === null ? 'resumed' : 'joined') : 'started'}${
            event.workers === null ? '' : ` with ${event.workers} worker${event.workers === 1 ? '' : 's'}`
          }: ~${formatCount(event.estimatedRows)} rows, ${
            event.fixedBatchSize ? `batches of ${formatCount(event.batchSize)} rows` : `batches sized for ${event.targetBatchMs} ms`
          }${event.walCompression.set === null ? '' : `, WAL page images compressed (${event.walCompression.set})`}${event.keyedPass ? '' : '; the last run completed, so it counts eligible rows first and runs the first pass only if it finds any'}`,
        );
        return;
      case 'batch':
        live.progress(progressParts(event));
        return;
      case 'retry':
        line(
          `${event.action === 'split' ? 'batch timed out, splitting' : event.action === 'reconnect' ? 'connection lost, reconnecting' : 'transient failure, retrying'} (attempt ${event.attempt}/${event.maxAttempts}${
            event.sqlstate ? `, SQLSTATE ${event.sqlstate}` : ''
          }, next batch ${formatCount(event.batchSize)} rows${event.delayMs > 0 ? `, in ${formatDuration(event.delayMs)}` : ''}): ${event.message}`,
        );
        return;
      case 'control':
        line(controlText(event));
        return;
      case 'pause': {
        // Pauses the user asked for (--pause-ms, --max-rows-per-second, `pause`) come with every
        // batch or from every lane: shown at the progress interval, not each time. Health
        // pauses are always shown.
        if (event.cause === 'pause_ms' || event.cause === 'rate_limit' || event.cause === 'paused') {
          const now = options.clock.now();
          if (now - lastPauseLine < Math.max(live.intervalMs, 5_000)) return;
          lastPauseLine = now;
        }
        line(`paused ${formatDuration(event.durationMs)}: ${event.reason}`);
        return;
      }
      case 'warning':
        line(`warning: ${event.message}`);
        return;
      case 'converge':
        if (!keyedPass && event.pass === 0 && event.nextPass === 0) {
          keyedPass = true;
          line(`counted ${formatCount(event.eligibleRemaining)} eligible rows: the first pass follows`);
          return;
        }
        line(
          `${event.pass > 0 ? `convergence sweep ${event.pass} done: ${formatCount(event.rowsUpdated)} rows written` : keyedPass ? `first pass done: ${formatCount(event.rowsUpdated)} rows written` : 'counted'}; ${
            event.converged
              ? 'no eligible row left — converged'
              : `${formatCount(event.eligibleRemaining)} eligible rows left${event.pass > 0 || keyedPass ? ' (written behind the walk)' : ''}${event.nextPass !== null ? ', sweeping again' : ', bound reached: not converged'}`
          }`,
        );
        return;
      case 'finish':
        live.end();
        return;
    }
  };
}
