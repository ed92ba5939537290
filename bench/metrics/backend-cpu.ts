/**
 * CPU time spent by the server's backends on a contender's behalf: the time each backend
 * process spent on a CPU (/proc/<pid>/schedstat, nanoseconds), summed over every backend seen
 * connected to the contender's database. A backend is read at each sighting, so one that exits between two
 * readings loses at most that interval's CPU. Linux only (elsewhere, and for a server on
 * another host, the figure is unknown).
 */
import fs from 'node:fs';

/** Time the process has spent on a CPU, in ms, or undefined when it is gone or /proc is unavailable. */
export function processCpuMs(pid: number): number | undefined {
  try {
    // The first field is the time the task has spent on a CPU, in nanoseconds.
    const ns = Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

export class BackendCpu {
  /** Per backend: CPU it had already used when the contender started (0 if born since), and at its latest sighting. */
  private readonly seen = new Map<number, { first: number; last: number }>();
  private started = false;
  private unreadable = false;

  /** Backends alive before the contender starts: only their CPU from now on counts. */
  start(pids: readonly number[]): void {
    this.observe(pids);
    this.started = true;
  }

  observe(pids: readonly number[]): void {
    for (const pid of pids) {
      const ms = processCpuMs(pid);
      if (ms === undefined) {
        if (!this.seen.has(pid)) this.unreadable = true;
        continue;
      }
      const entry = this.seen.get(pid);
      // A backend born after the start is a fresh process: all its CPU is the contender's.
      if (entry) entry.last = ms;
      else this.seen.set(pid, { first: this.started ? 0 : ms, last: ms });
    }
  }

  /** Total CPU ms over every backend seen; null when some backend could not be read at all. */
  totalMs(): number | null {
    if (this.unreadable && this.seen.size === 0) return null;
    let total = 0;
    for (const { first, last } of this.seen.values()) total += last - first;
    return total;
  }
}
