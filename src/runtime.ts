/**
 * The process's side effects that decision code must not reach for itself: time, waiting,
 * randomness and logging. Commands take a Runtime (or the part of it they use), so tests drive
 * time and randomness instead of waiting on them. The only clock readings in src/ are here
 * (eslint.config.js forbids them elsewhere).
 */

export interface Clock {
  /** Milliseconds for durations: monotonic, unrelated to the wall clock. */
  now(): number;
  /** The wall clock, for timestamps shown to people. */
  date(): Date;
}

/** Resolves after `ms`, or early when `signal` aborts; never rejects. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Lines for people, on stderr: stdout carries only a command's result. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface Runtime {
  clock: Clock;
  sleep: Sleep;
  /** A number in [0, 1), for jitter. */
  random: () => number;
  log: Log;
}

const systemClock: Clock = { now: () => performance.now(), date: () => new Date() };

const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export const silentLog: Log = { info: () => {}, warn: () => {}, debug: () => {} };

/**
 * The real clock, sleep and randomness, with any part `given` sets instead (other keys of
 * `given` are ignored): built once by the CLI for each command, and by the library API for a
 * caller that passes none.
 */
export function systemRuntime(given: Partial<Runtime> = {}): Runtime {
  return {
    clock: given.clock ?? systemClock,
    sleep: given.sleep ?? sleep,
    random: given.random ?? Math.random,
    log: given.log ?? silentLog,
  };
}
