import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from '../../../src/text/format.js';

describe('formatBytes', () => {
  it.each<[number, string]>([
    [0, '0 B'],
    [812, '812 B'],
    [1024, '1.0 kB'],
    [65_536, '64.0 kB'],
    [262_144, '256 kB'],
    [13_107_200, '12.5 MB'],
    [1024 ** 3, '1.0 GB'],
  ])('%d → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('formatDuration', () => {
  it.each([
    [450, '450ms'],
    [2_500, '2.5s'],
    [75_000, '1m15s'],
    [3_725_000, '1h02m'],
    [null, '?'],
  ])('duration %s → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
