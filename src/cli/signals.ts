/**
 * The process's one SIGINT/SIGTERM handler, installed by the CLI entry before any command runs.
 *
 * It must be ours, and installed for every command: a process that runs as PID 1 (a container's
 * entrypoint, `unshare --pid`) gets no default signal disposition from the kernel, so without a
 * handler SIGTERM is ignored and the pod is killed only at the end of its grace period.
 *
 * - No command has asked to stop gracefully (up, down, status, verify): exit at once with 130 /
 *   143. Nothing is lost: an open transaction is rolled back by the server when the connection
 *   drops, and each migration is its own transaction.
 * - A command inside `gracefulStop` (backfill, apply): the first signal aborts its
 *   AbortSignal — it stops at its next safe point (the backfill: after the current batch,
 *   checkpointed) and exits through its own result; a second signal exits at once.
 */
import { EXIT_CODES } from '../errors.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

export function exitCodeOfSignal(signal: StopSignal): number {
  return signal === 'SIGTERM' ? EXIT_CODES.terminated : EXIT_CODES.interrupted;
}

interface GracefulScope {
  controller: AbortController;
  /** Told on the first signal (e.g. "stopping after the current batch"). */
  onFirst: (signal: StopSignal) => void;
  /** Told on the second, just before the process exits. */
  onSecond: (signal: StopSignal) => void;
}

let scope: GracefulScope | null = null;
let installed = false;

function onSignal(signal: StopSignal): void {
  if (scope && !scope.controller.signal.aborted) {
    scope.onFirst(signal);
    scope.controller.abort(signal);
    return;
  }
  if (scope) scope.onSecond(signal);
  else process.stderr.write(`\n${signal}: stopping now\n`);
  process.exit(exitCodeOfSignal(signal));
}

/** Installs the handler once (the CLI entry calls it first thing). */
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}

/**
 * From now until `release()`, the first SIGINT/SIGTERM aborts `signal` (its `reason` is the
 * signal's name) and the second exits at once. One at a time: a command is one process.
 */
export function gracefulStop(handlers: { onFirst: (signal: StopSignal) => void; onSecond: (signal: StopSignal) => void }): {
  signal: AbortSignal;
  release(): void;
} {
  installSignalHandlers();
  const own: GracefulScope = { controller: new AbortController(), ...handlers };
  scope = own;
  return {
    signal: own.controller.signal,
    release: () => {
      if (scope === own) scope = null;
    },
  };
}
