/**
 * Runs one CLI invocation as a child process and records what a benchmark needs from it:
 * wall time (spawn to exit, so Node start-up is included — the operator pays for it too),
 * exit code, stdout JSON lines with the time each arrived, the tail of stderr, and peak RSS.
 *
 * Peak RSS: with GNU time present, its `%M` (the kernel's ru_maxrss for the child, exact);
 * otherwise VmHWM sampled from /proc every 20 ms (the kernel's running maximum, so only a
 * peak in the last few ms before exit could be missed). GNU time also gives the CPU time.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { readPeakRssBytes } from './metrics/rss.js';

const GNU_TIME = '/usr/bin/time';

export interface JsonLine {
  /** ms since the process was spawned, when the line arrived. */
  atMs: number;
  value: unknown;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  peakRssBytes: number | null;
  rssMethod: 'gnu-time' | 'proc-vmhwm' | 'unavailable';
  /** User + system CPU of the process (GNU time only): is the client the bottleneck? */
  cpuMs: number | null;
  jsonLines: JsonLine[];
  /** stdout lines that were not JSON (kept short). */
  otherStdout: string[];
  stderrTail: string;
}

export interface RunProcessOptions {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the process (SIGTERM, then SIGKILL) if it runs longer: every loop must end. */
  timeoutMs: number;
  onJsonLine?: (line: JsonLine) => void;
}

const STDERR_TAIL = 4000;
const OTHER_STDOUT_LINES = 50;

export function gnuTimeAvailable(): boolean {
  try {
    fs.accessSync(GNU_TIME, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const useTime = gnuTimeAvailable();
  const timeFile = useTime ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aibridge-bench-')), 'maxrss') : undefined;
  const [command, args] = useTime
    ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile!, options.command, ...options.args]]
    : [options.command, options.args];

  const started = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const jsonLines: JsonLine[] = [];
  const otherStdout: string[] = [];
  let stderrTail = '';
  let sampledPeak: number | undefined;

  const lines = readline.createInterface({ input: child.stdout! });
  lines.on('line', (text) => {
    const atMs = performance.now() - started;
    const trimmed = text.trim();
    if (trimmed.startsWith('{')) {
      try {
        const line = { atMs, value: JSON.parse(trimmed) as unknown };
        jsonLines.push(line);
        options.onJsonLine?.(line);
        return;
      } catch {
        /* not JSON after all */
      }
    }
    if (trimmed && otherStdout.length < OTHER_STDOUT_LINES) otherStdout.push(trimmed);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL);
  });

  const sampler = useTime
    ? undefined
    : setInterval(() => {
        const peak = child.pid === undefined ? undefined : readPeakRssBytes(child.pid);
        if (peak !== undefined) sampledPeak = Math.max(sampledPeak ?? 0, peak);
      }, 20);
  const killTimer = setTimeout(() => {
    stderrTail += `\n[bench] killed after ${options.timeoutMs} ms`;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  }, options.timeoutMs);

  const { exitCode, signal } = await new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve({ exitCode: code, signal: sig }));
  });
  const wallMs = performance.now() - started;
  clearTimeout(killTimer);
  if (sampler) clearInterval(sampler);

  let peakRssBytes: number | null = sampledPeak ?? null;
  let rssMethod: ProcessResult['rssMethod'] = sampledPeak === undefined ? 'unavailable' : 'proc-vmhwm';
  let cpuMs: number | null = null;
  if (timeFile) {
    // GNU time writes "Command exited with non-zero status N" before the figures on failure.
    const text = fs.existsSync(timeFile) ? fs.readFileSync(timeFile, 'utf8') : '';
    const match = /^(\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(text.trim().split('\n').pop() ?? '');
    if (match) {
      peakRssBytes = Number(match[1]) * 1024;
      rssMethod = 'gnu-time';
      cpuMs = (Number(match[2]) + Number(match[3])) * 1000;
    }
    fs.rmSync(path.dirname(timeFile), { recursive: true, force: true });
  }
  return { exitCode, signal, wallMs, peakRssBytes, rssMethod, cpuMs, jsonLines, otherStdout, stderrTail };
}
