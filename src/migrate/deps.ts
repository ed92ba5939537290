/** The I/O the migrate commands use, passed in: tests swap the clock, sleep, randomness and log. */
import type pg from 'pg';
import { connect, type ConnectOptions } from '../db/connect.js';

export interface MigrateLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface MigrateDeps {
  log: MigrateLog;
  /** Monotonic milliseconds. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  connect: (options: ConnectOptions) => Promise<pg.Client>;
}

const silent: MigrateLog = { info: () => {}, warn: () => {}, debug: () => {} };

export function defaultDeps(overrides: Partial<MigrateDeps> = {}): MigrateDeps {
  return {
    log: silent,
    now: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    connect,
    ...overrides,
  };
}
