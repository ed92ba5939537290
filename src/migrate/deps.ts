/** The I/O the migrate commands use, passed in: tests swap the clock, sleep, randomness and log. */
import type pg from 'pg';
import { connect, type ConnectOptions } from '../db/connect.js';
import type { Runtime } from '../runtime.js';

export interface MigrateDeps extends Runtime {
  /** node-pg-migrate needs a pg.Client itself, not only the database port. */
  connect: (options: ConnectOptions) => Promise<pg.Client>;
}

/** `runtime` with the real connect, and `overrides` in place of any part. */
export function migrateDeps(runtime: Runtime, overrides: Partial<MigrateDeps> = {}): MigrateDeps {
  return { ...runtime, connect, ...overrides };
}
