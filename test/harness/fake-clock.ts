/**
 * Time for tests that depend on it: a clock that moves only when told to or when the code under
 * test sleeps, so no test waits on the machine or asserts wall-clock time.
 */
import { silentLog, type Clock, type Runtime } from '../../src/runtime.js';
import { seededRandom } from './seeded-random.js';

export interface FakeClock extends Clock {
  /** Moves both readings on by `ms`. */
  advance(ms: number): void;
}

/** Starts at `start` (the wall clock's reading) with `now()` at 0. */
export function fakeClock(start = new Date('2026-12-05T12:00:00Z')): FakeClock {
  let elapsed = 0;
  return {
    now: () => elapsed,
    date: () => new Date(start.getTime() + elapsed),
    advance: (ms) => {
      elapsed += ms;
    },
  };
}

/** A Runtime on a fake clock: every sleep returns at once, having moved the clock by its length. */
export function fakeRuntime(overrides: Partial<Runtime> = {}): Runtime & { clock: FakeClock } {
  const clock = fakeClock();
  return {
    sleep: async (ms) => clock.advance(ms),
    random: seededRandom(1),
    log: silentLog,
    ...overrides,
    clock,
  };
}
