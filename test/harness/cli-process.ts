/**
 * The CLI in a real child process, run from source through tsx's loader in ONE process (not
 * `npx tsx`, which forks), so a signal reaches the runner itself and the exit code is real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout lines that parse as JSON (the --json event stream). */
  events: Record<string, any>[];
}

export interface Cli {
  process: ChildProcess;
  stdoutLines: string[];
  events: Record<string, any>[];
  stderr(): string;
  exit: Promise<CliExit>;
  /** Resolves when an event satisfying `predicate` has been printed (rejects if the CLI exits first). */
  waitForEvent(predicate: (event: Record<string, any>) => boolean): Promise<Record<string, any>>;
  /** Resolves when stderr contains `needle` (rejects if the CLI exits first). */
  waitForStderr(needle: string | RegExp): Promise<void>;
  /** Resolves when `count` batch events have been printed (rejects if the CLI exits first). */
  batches(count: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<CliExit>;
}

export interface CliProcessOptions {
  env?: Record<string, string>;
  /** Working directory (default: the repository), e.g. to find a config file there. */
  cwd?: string;
  /** Modules preloaded with --import after tsx (test-only hooks). */
  preload?: string[];
}

export function startCliProcess(args: string[], options: CliProcessOptions = {}): Cli {
  // Absolute paths: the working directory may be anywhere.
  const imports = [
    '--import',
    pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
    ...(options.preload ?? []).flatMap((module) => ['--import', module]),
  ];
  const child = spawn(process.execPath, [...imports, path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: {
      // Hermetic: nothing from the caller's DATABASE_URL, AIBRIDGE_MIGRATE_* or libpq PG*
      // variables reaches the CLI.
      ...Object.fromEntries(
        Object.entries(process.env).filter(
          ([name]) => name !== 'DATABASE_URL' && !name.startsWith('AIBRIDGE_MIGRATE_') && !/^PG[A-Z]/.test(name),
        ),
      ),
      NO_COLOR: '1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdoutLines: string[] = [];
  const events: Record<string, any>[] = [];
  let stdout = '';
  let stderr = '';
  let partial = '';
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      stdoutLines.push(line);
      try {
        const parsed = JSON.parse(line);
        if (parsed && typeof parsed === 'object') events.push(parsed);
      } catch {
        /* not a JSON line */
      }
    }
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    notify();
  });
  let exited = false;
  const exit = new Promise<CliExit>((resolve) =>
    child.on('close', (code, signal) => {
      exited = true;
      notify();
      resolve({ code, signal, stdout, stderr, events });
    }),
  );
  const waitFor = <T>(test: () => T | undefined, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = test();
        if (found !== undefined) {
          listeners.delete(check);
          resolve(found);
        } else if (exited) {
          listeners.delete(check);
          reject(
            new Error(
              `the CLI exited (code ${child.exitCode}, signal ${child.signalCode}) before ${what}\nstderr:\n${stderr}\nstdout tail:\n${stdout.slice(-2000)}`,
            ),
          );
        }
      };
      listeners.add(check);
      check();
    });
  return {
    process: child,
    stdoutLines,
    events,
    stderr: () => stderr,
    exit,
    waitForEvent: (predicate) => waitFor(() => events.find(predicate), 'the awaited event'),
    batches: async (count) => {
      await waitFor(() => (events.filter((e) => e.event === 'batch').length >= count ? true : undefined), `${count} batch events`);
    },
    waitForStderr: async (needle) => {
      await waitFor(
        () => ((typeof needle === 'string' ? stderr.includes(needle) : needle.test(stderr)) ? true : undefined),
        `stderr showed ${String(needle)}`,
      );
    },
    async kill(signal = 'SIGKILL') {
      child.kill(signal);
      return exit;
    },
  };
}

export async function runCliProcess(args: string[], options: CliProcessOptions = {}): Promise<CliExit> {
  return startCliProcess(args, options).exit;
}
