/**
 * When the page walk judges the next window ahead (src/backfill/run/read-ahead.ts) under
 * `--read-ahead auto`: where it costs the server no extra page images and does not slow the
 * walk down. Pure; the walker feeds it what it planned and what it saw of the server's
 * checkpoints.
 */
import { WINDOW_SHARE_OF_CHECKPOINT, type WindowBound } from './rounds.js';

export type ReadAheadMode = 'auto' | 'on' | 'off';

/**
 * Windows in a row without a checkpoint before a server that logs hint bits gets the read-ahead:
 * as many as the walk plans into one checkpoint interval.
 */
export const WINDOWS_BEFORE_READ_AHEAD = Math.round(1 / WINDOW_SHARE_OF_CHECKPOINT);

/** Whether the next window is judged ahead under `--read-ahead auto`. */
export function readAheadPays(input: {
  /** What limited the next window's size (windowPages). */
  bound: WindowBound;
  hintsLogged: boolean;
  /** Windows started since the walk last saw the checkpoint's redo point move; null: the server does not say. */
  windowsSinceCheckpoint: number | null;
}): boolean {
  // Windows kept short by the checkpoint pace hold few pages: a judge read ahead is cut to fit
  // beside short rounds, and rounds wait on it — measured, 11% more steps and no time saved
  // (docs/benchmarks.md, "Read-ahead").
  if (input.bound !== 'round') return false;
  // A judge's read sets hint bits on the pages it reads (on rows moved there by earlier
  // windows' non-HOT updates, above all). Unlogged, that costs nothing.
  if (!input.hintsLogged) return true;
  // Logged, the first hint after a checkpoint writes the page's image; a checkpoint that then
  // falls between the judge read ahead and the window's rounds has those rounds image every
  // such page again — a window's pages a checkpoint. Only where a checkpoint interval holds as
  // many windows as the walk plans for does that stay within the images a pass may take.
  return input.windowsSinceCheckpoint !== null && input.windowsSinceCheckpoint >= WINDOWS_BEFORE_READ_AHEAD;
}
