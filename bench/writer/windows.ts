/** Splits writer samples into named time windows and summarises each. Pure. */
import { summarizeLatencies, type LatencySummary } from '../stats.js';
import type { WriterSample } from './writer.js';

export interface TimeWindow {
  name: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
}

export interface WindowSummary extends LatencySummary {
  name: string;
  durationMs: number;
  errors: number;
}

/** A statement belongs to the window in which it was due, whenever it finished. */
export function summarizeWindows(samples: readonly WriterSample[], windows: readonly TimeWindow[]): WindowSummary[] {
  return windows.map((window) => {
    const inside = samples.filter((s) => s.dueAt >= window.from && s.dueAt < window.to);
    return {
      name: window.name,
      durationMs: Math.max(0, window.to - window.from),
      errors: inside.filter((s) => !s.ok).length,
      ...summarizeLatencies(inside.map((s) => s.latencyMs)),
    };
  });
}
