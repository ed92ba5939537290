/**
 * `status --watch`: reads the status every --interval and redraws the backfill's frame (a
 * terminal: in place; otherwise, or with --json, one frame or JSON line per look) until Ctrl-C
 * or SIGTERM, then exits 0. Each look is one short read-only session, like `status`.
 */
import { migrateDeps } from '../migrate/deps.js';
import type { StatusSettings } from '../migrate/options.js';
import { runStatus } from '../migrate/status.js';
import { watchFrame, watchJson, watchText, type WatchSample } from '../migrate/watch.js';
import type { Runtime } from '../runtime.js';
import { gracefulStop } from './signals.js';

export async function watchStatus(settings: StatusSettings, runtime: Runtime): Promise<number> {
  // The process's one handler (cli/signals.ts): the first signal ends the watch (exit 0), a second exits at once.
  const stop = gracefulStop({ onFirst: () => {}, onSecond: () => {} });
  const redraw = Boolean(process.stdout.isTTY) && !settings.json;
  const previous = new Map<number, WatchSample>();
  try {
    while (!stop.signal.aborted) {
      const result = await runStatus(settings, migrateDeps(runtime));
      const now = runtime.clock.now();
      const at = runtime.clock.date();
      const runs = result.backfill?.latestRuns ?? [];
      const frames = runs.map((run) => {
        const frame = watchFrame(run, previous.get(run.id) ?? null, now);
        if (frame.sample) previous.set(run.id, frame.sample);
        return frame;
      });
      if (settings.json) {
        for (const frame of frames) process.stdout.write(`${JSON.stringify(watchJson(frame, at))}\n`);
      } else {
        const lines = [
          `${result.database} at ${at.toISOString()} (every ${settings.intervalMs} ms; Ctrl-C to stop)`,
          ...(result.backfill === null
            ? ['backfill: ledger not created yet (run `aibridge-migrate up`)']
            : frames.length === 0
              ? ['backfill: no run yet']
              : frames.flatMap(watchText)),
        ];
        process.stdout.write(redraw ? `\u001b[H\u001b[2J${lines.join('\n')}\n` : `${lines.join('\n')}\n\n`);
      }
      await runtime.sleep(settings.intervalMs, stop.signal);
    }
    return 0;
  } finally {
    stop.release();
  }
}
