/**
 * Peak resident memory of a child process, from /proc/<pid>/status VmHWM ("high water mark":
 * the kernel's own running maximum, so sampling only has to happen before the process exits,
 * not at the moment of the peak). Linux only; elsewhere the figure is reported as unknown.
 */
import fs from 'node:fs';

/** VmHWM in bytes, or undefined when the process is gone or /proc is unavailable. */
export function readPeakRssBytes(pid: number): number | undefined {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  return parseVmHwm(status);
}

export function parseVmHwm(status: string): number | undefined {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}
