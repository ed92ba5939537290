/**
 * Where a whole-table read shows its progress (verify, `backfill --dry-run`): stderr, whose
 * stdout carries the report. JSON lines in JSON mode, the live line on a terminal, a plain line
 * every 5 s otherwise, nothing when asked to be quiet.
 */
import type { Clock } from '../runtime.js';
import type { ScanSink } from '../scan/events.js';
import { jsonScanSink, textScanSink } from '../scan/progress.js';
import type { Terminal } from '../text/colour.js';

export function scanProgressSink(options: { json: boolean; quiet?: boolean; terminal: Terminal; label: string; clock: Clock }): ScanSink {
  if (options.quiet) return () => {};
  const write = (text: string) => process.stderr.write(text);
  if (options.json) return jsonScanSink(write, options.clock);
  return textScanSink({
    write,
    clock: options.clock,
    interactive: options.terminal.interactive,
    columns: () => process.stderr.columns,
    label: options.label,
  });
}
