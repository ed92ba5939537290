/**
 * Progress sinks. Each takes the events of a run and writes them somewhere: JSON lines for
 * machines, a live bar on a terminal, a plain line every few seconds otherwise.
 */
import type { Clock } from '../../runtime.js';
import { formatCount, formatDuration } from '../../text/format.js';
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

/** `startFields` are added to the `start` line (the CLI names the config file it read there). */
export function jsonLinesSink(
  write: (text: string) => void,
  now: () => Date = () => new Date(),
  startFields: Record<string, unknown> = {},
): Sink {
  return (event) => {
    const line = eventJson(event, now());
    write(
      `${event.event === 'start' && Object.keys(startFields).length > 0 ? JSON.stringify({ ...JSON.parse(line), ...startFields }) : line}\n`,
    );
  };
}

type BatchEvent = Extract<BackfillEvent, { event: 'batch' }>;

function progressParts(event: BatchEvent) {
  const total = Math.max(event.estimatedRows, event.passRowsScanned);
  const pct = total > 0 ? Math.min(100, Math.floor((event.passRowsScanned * 100) / total)) : 100;
  const what = event.pass === 0 ? 'rows' : `rows (convergence sweep ${event.pass})`;
  return {
    total,
    head: `${pct}% ${formatCount(event.passRowsScanned)}/~${formatCount(total)} ${what}`,
    updated: `${formatCount(event.totalRowsUpdated)} updated`,
    rate: `${event.rowsPerSecond === null ? '?' : formatCount(event.rowsPerSecond)} rows/s`,
    eta: `ETA ${formatDuration(event.etaMs)}`,
    batch: `batch ${formatCount(event.batchSize)}`,
  };
}

/** One line of progress, without colour: shared by the bar and the plain lines. */
export function progressText(event: BatchEvent): string {
  const p = progressParts(event);
  return [p.head, p.updated, p.rate, p.eta, p.batch].join(' · ');
}

export function progressBar(event: BatchEvent, width = 24, text = progressText(event)): string {
  const { total } = progressParts(event);
  const filled = total > 0 ? Math.min(width, Math.round((event.passRowsScanned * width) / total)) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`;
}

/**
 * The live line for a terminal `columns` wide: the richest form that fits in one row, so that
 * `\r` + erase-line redraws it in place. A line that wraps leaves its first rows behind on every
 * redraw. The last column stays free: a character there puts some terminals into their
 * pending-wrap state.
 */
export function progressLine(event: BatchEvent, columns: number | undefined): string {
  if (!columns || columns <= 0) return progressBar(event);
  const room = columns - 1;
  const p = progressParts(event);
  const texts = [
    [p.head, p.updated, p.rate, p.eta, p.batch],
    [p.head, p.updated, p.rate, p.eta],
    [p.head, p.rate, p.eta],
    [p.head, p.eta],
    [p.head],
  ].map((parts) => parts.join(' · '));
  for (const text of texts) {
    for (const width of [24, 16, 10]) {
      const line = progressBar(event, width, text);
      if (line.length <= room) return line;
    }
    if (text.length <= room) return text;
  }
  return texts[texts.length - 1]!.slice(0, Math.max(0, room));
}

export interface TextSinkOptions {
  write: (text: string) => void;
  clock: Pick<Clock, 'now'>;
  /** stderr is a terminal: redraw one line in place. */
  interactive: boolean;
  /** The terminal's width, read at every redraw so a resize is followed (process.stderr.columns). */
  columns?: () => number | undefined;
  /** Plain mode: at most one progress line per this many ms. */
  intervalMs?: number;
}

/** Progress for humans, on stderr. Start, retries and sweeps get a line of their own. */
export function textSink(options: TextSinkOptions): Sink {
  const interval = options.intervalMs ?? (options.interactive ? 100 : 5_000);
  let lastDraw = Number.NEGATIVE_INFINITY;
  let barShown = false;
  let barColumns: number | undefined;
  let lastPauseLine = Number.NEGATIVE_INFINITY;
  let keyedPass = true;
  const line = (text: string) => {
    if (barShown) options.write('\r\u001b[K');
    barShown = false;
    options.write(`${text}\n`);
  };
  return (event) => {
    switch (event.event) {
      case 'start':
        keyedPass = event.keyedPass;
        line(
          `${event.direction === 'reverse' ? 'reverse ' : ''}backfill run #${event.runId} ${event.resumed ? (event.workers === null ? 'resumed' : 'joined') : 'started'}${
            event.workers === null ? '' : ` with ${event.workers} worker${event.workers === 1 ? '' : 's'}`
          }: ~${formatCount(event.estimatedRows)} rows, ${
            event.fixedBatchSize ? `batches of ${formatCount(event.batchSize)} rows` : `batches sized for ${event.targetBatchMs} ms`
          }${event.keyedPass ? '' : '; the last run completed, so it counts eligible rows first and runs the first pass only if it finds any'}`,
        );
        return;
      case 'batch': {
        const now = options.clock.now();
        if (now - lastDraw < interval) return;
        lastDraw = now;
        if (options.interactive) {
          const columns = options.columns?.();
          // After a resize the old line may have been rewrapped over several rows, which
          // erase-line cannot reach: leave it and draw on a fresh row (one stale line per resize).
          if (barShown && columns !== barColumns) options.write('\n');
          options.write(`\r\u001b[K${progressLine(event, columns)}`);
          barShown = true;
          barColumns = columns;
        } else {
          options.write(`backfill: ${progressText(event)}\n`);
        }
        return;
      }
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
          if (now - lastPauseLine < Math.max(interval, 5_000)) return;
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
        if (barShown) options.write('\n');
        barShown = false;
        return;
    }
  };
}
