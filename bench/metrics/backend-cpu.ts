/**
 * CPU time spent by the server's backends on a contender's behalf: user + system time of each
 * backend process, read from /proc/<pid>/stat, summed over every backend seen connected to the
 * contender's database. A backend is read at each sighting, so one that exits between two
 * readings loses at most that interval's CPU. Linux only (elsewhere, and for a server on
 * another host, the figure is unknown).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of a process in ms, or undefined when it is gone or /proc is unavailable. */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / clockTicks() : undefined;
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
