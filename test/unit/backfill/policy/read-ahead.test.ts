import { describe, expect, it } from 'vitest';
import { readAheadPays, WINDOWS_BEFORE_READ_AHEAD } from '../../../../src/backfill/policy/read-ahead.js';

describe('--read-ahead auto: whether the next window is judged ahead', () => {
  it('waits as many windows as the walk plans into one checkpoint interval', () => {
    expect(WINDOWS_BEFORE_READ_AHEAD).toBe(10);
  });

  it.each([
    ['windows the round size limits, hint bits unlogged', { bound: 'round', hintsLogged: false, windowsSinceCheckpoint: null }, true],
    ['windows the checkpoint WAL pace keeps short', { bound: 'wal', hintsLogged: false, windowsSinceCheckpoint: null }, false],
    ['windows checkpoint_timeout keeps short', { bound: 'time', hintsLogged: true, windowsSinceCheckpoint: 50 }, false],
    ['hint bits logged, checkpoints not readable', { bound: 'round', hintsLogged: true, windowsSinceCheckpoint: null }, false],
    ['hint bits logged, a checkpoint just now', { bound: 'round', hintsLogged: true, windowsSinceCheckpoint: 0 }, false],
    ['hint bits logged, one window short of an interval', { bound: 'round', hintsLogged: true, windowsSinceCheckpoint: 9 }, false],
    ['hint bits logged, a whole interval of windows without one', { bound: 'round', hintsLogged: true, windowsSinceCheckpoint: 10 }, true],
  ] as const)('%s', (_name, input, ahead) => {
    expect(readAheadPays(input)).toBe(ahead);
  });
});
