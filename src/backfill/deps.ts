/** The runner's I/O, passed in so tests can drive time, randomness and connections. */
import type { BackfillEvent } from './events.js';
import type { Queryable } from './ledger.js';

export interface Clock {
  /** Milliseconds, monotonic enough for durations. */
  now(): number;
}

/** Resolves after `ms`, or early when `signal` aborts (never rejects). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface Session extends Queryable {
  end(): Promise<void>;
}

export interface BackfillDeps {
  /** Opens a database session; called again after a connection loss. */
  connect: () => Promise<Session>;
  clock: Clock;
  sleep: Sleep;
  /** A number in [0, 1) for backoff jitter. */
  random: () => number;
  /** Progress events (start, batch, retry, pause, converge, finish). */
  sink: (event: BackfillEvent) => void;
  /** Aborted with reason 'SIGINT' or 'SIGTERM' to stop after the current batch. */
  signal: AbortSignal;
  host: string;
  pid: number;
  /** The command that resumes this run, printed when it stops early. */
  resumeCommand: string;
}

export const systemClock: Clock = { now: () => performance.now() };

export const realSleep: Sleep = (ms, signal) =>
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
