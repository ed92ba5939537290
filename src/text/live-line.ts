/**
 * Progress on stderr: on a terminal one line redrawn in place, at most every 100 ms and always
 * fitting the terminal's width (followed across resizes); otherwise a plain line every 5 s, so
 * a log file gets a readable trail instead of thousands of redraws. Lines of their own (a
 * retry, a pass that ended) clear the live line first.
 */
import type { Clock } from '../runtime.js';
import { fitProgressLine, progressText, type ProgressParts } from './progress-line.js';

export interface LiveLineOptions {
  write: (text: string) => void;
  clock: Pick<Clock, 'now'>;
  /** stderr is a terminal: redraw one line in place. */
  interactive: boolean;
  /** The terminal's width, read at every redraw so a resize is followed (process.stderr.columns). */
  columns?: () => number | undefined;
  /** At most one progress line per this many ms. */
  intervalMs?: number;
  /** Plain lines start with `label: `. */
  label: string;
}

export class LiveLine {
  /** The throttle interval in force. */
  readonly intervalMs: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private shown = false;
  private shownColumns: number | undefined;

  constructor(private readonly options: LiveLineOptions) {
    this.intervalMs = options.intervalMs ?? (options.interactive ? 100 : 5_000);
  }

  /** Draws `parts`, unless one was drawn less than the interval ago (`force` draws anyway). */
  progress(parts: ProgressParts, force = false): void {
    const now = this.options.clock.now();
    if (!force && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    if (!this.options.interactive) {
      this.options.write(`${this.options.label}: ${progressText(parts)}\n`);
      return;
    }
    const columns = this.options.columns?.();
    // After a resize the old line may have been rewrapped over several rows, which
    // erase-line cannot reach: leave it and draw on a fresh row (one stale line per resize).
    if (this.shown && columns !== this.shownColumns) this.options.write('\n');
    this.options.write(`\r\u001b[K${fitProgressLine(parts, columns)}`);
    this.shown = true;
    this.shownColumns = columns;
  }

  /** A line of its own, below the live line's place. */
  line(text: string): void {
    if (this.shown) this.options.write('\r\u001b[K');
    this.shown = false;
    this.options.write(`${text}\n`);
  }

  /** Erases the live line (its pass said nothing worth keeping). */
  clear(): void {
    if (this.shown) this.options.write('\r\u001b[K');
    this.shown = false;
  }

  /** Leaves the last live line on the screen and moves to the next row. */
  end(): void {
    if (this.shown) this.options.write('\n');
    this.shown = false;
  }
}
