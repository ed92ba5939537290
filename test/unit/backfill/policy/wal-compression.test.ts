import { describe, expect, it } from 'vitest';
import { planWalCompression, type WalCompressionMode } from '../../../../src/backfill/policy/wal-compression.js';

const PG15_WITH_LZ4 = ['pglz', 'lz4', 'zstd', 'on', 'off'];
const PG15_PGLZ_ONLY = ['pglz', 'on', 'off'];
// Before 15 wal_compression is a boolean: pg_settings has no enumvals for it.
const PG14: string[] = [];

describe('--wal-compression: what the backfill steps set', () => {
  it.each<[string, WalCompressionMode, string, string[], string | null]>([
    ['auto picks lz4 where the server has it', 'auto', 'off', PG15_WITH_LZ4, 'lz4'],
    // pglz cost more time than it saved in the benchmark: only when asked for.
    ['auto on a build without lz4 leaves it off', 'auto', 'off', PG15_PGLZ_ONLY, null],
    ['auto before 15 (pglz only) leaves it off', 'auto', 'off', PG14, null],
    ['pglz when asked for', 'pglz', 'off', PG15_PGLZ_ONLY, 'pglz'],
    ['auto leaves a server that compresses already', 'auto', 'pglz', PG15_WITH_LZ4, null],
    ['auto leaves a 14 server with compression on', 'auto', 'on', PG14, null],
    ['off never sets it', 'off', 'off', PG15_WITH_LZ4, null],
    ['an explicit method the server has', 'zstd', 'off', PG15_WITH_LZ4, 'zstd'],
    ['an explicit method replaces the server’s own', 'lz4', 'pglz', PG15_WITH_LZ4, 'lz4'],
    ['pglz before 15 is on', 'pglz', 'off', PG14, 'on'],
    ['lz4 on a build without it', 'lz4', 'off', PG15_PGLZ_ONLY, null],
    ['lz4 before 15', 'lz4', 'off', PG14, null],
  ])('%s', (_name, mode, current, methods, expected) => {
    expect(planWalCompression(mode, { current, methods }).set).toBe(expected);
  });

  it('names what is missing when a method cannot be used', () => {
    const plan = planWalCompression('lz4', { current: 'off', methods: PG15_PGLZ_ONLY });
    expect(plan).toEqual({ set: null, why: 'this server was built without lz4 (wal_compression accepts pglz, on, off)' });
  });
});
