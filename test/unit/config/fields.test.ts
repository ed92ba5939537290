import { describe, expect, it } from 'vitest';
import { byteSize } from '../../../src/config/fields.js';

describe('byteSize: sizes in PostgreSQL units', () => {
  const field = byteSize(0, 2 ** 50);
  it.each<[unknown, number]>([
    ['1048576', 1_048_576],
    [4096, 4096],
    ['64kB', 65_536],
    ['512MB', 512 * 1024 ** 2],
    ['1GB', 1024 ** 3],
    ['1.5GB', 1.5 * 1024 ** 3],
    [' 2 mb ', 2 * 1024 ** 2],
    ['0', 0],
    ['100B', 100],
  ])('%j → %d bytes', (raw, bytes) => {
    expect(field.parse(raw)).toBe(bytes);
  });

  it.each<[unknown, string]>([
    ['1 GiB', 'must be a size like 512MB, 1GB, 64kB or 1048576 (bytes), got "1 GiB"'],
    ['lots', 'must be a size like 512MB, 1GB, 64kB or 1048576 (bytes), got "lots"'],
    ['-1MB', 'must be a size like 512MB, 1GB, 64kB or 1048576 (bytes), got "-1MB"'],
  ])('%j is refused', (raw, message) => {
    const result = field.safeParse(raw);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(message);
  });

  it('bounds are in bytes', () => {
    expect(byteSize(1024, 2048).safeParse('4kB').error?.issues[0]?.message).toBe('must be between 1024 and 2048 bytes, got 4096');
  });
});
