import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../src/text/format.js';

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
