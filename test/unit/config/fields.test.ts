import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { byteSize, optionInfo } from '../../../src/config/fields.js';
import { upOptionsSchema } from '../../../src/migrate/options.js';

const command = (name: string) => COMMANDS.find((c) => c.name === name)!;

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

describe('flags, --help and environment names come from the schema', () => {
  it.each([
    ['up', 'lock-timeout', { env: 'AIBRIDGE_MIGRATE_LOCK_TIMEOUT', defaultText: '2s', boolean: false }],
    ['up', 'lock-retry-delay', { env: 'AIBRIDGE_MIGRATE_LOCK_RETRY_DELAY', defaultText: '1s', boolean: false }],
    ['backfill', 'lock-timeout', { env: 'AIBRIDGE_MIGRATE_LOCK_TIMEOUT', defaultText: '5s', boolean: false }],
    ['backfill', 'batch-size', { env: 'AIBRIDGE_MIGRATE_BATCH_SIZE', defaultText: 'adaptive', boolean: false }],
    ['backfill', 'dry-run', { env: 'AIBRIDGE_MIGRATE_DRY_RUN', defaultText: undefined, boolean: true }],
    ['backfill', 'restart', { env: null, defaultText: undefined, boolean: true }],
    ['down', 'force-drop-data', { env: null, defaultText: undefined, boolean: true }],
    ['verify', 'max-samples', { env: 'AIBRIDGE_MIGRATE_MAX_SAMPLES', defaultText: '20', boolean: false }],
    ['status', 'check', { env: null, defaultText: undefined, boolean: true }],
    ['status', 'schema', { env: 'AIBRIDGE_MIGRATE_SCHEMA', defaultText: 'public', boolean: false }],
  ] as const)('%s --%s', (name, flag, expected) => {
    const info = command(name).options.find((o) => o.flag === flag);
    expect(info, `${name} --${flag}`).toBeDefined();
    expect({ env: info!.env, defaultText: info!.defaultText, boolean: info!.boolean }).toEqual(expected);
    expect(info!.describe.length).toBeGreaterThan(5);
  });

  it('the displayed default is the one the schema applies', () => {
    const shown = optionInfo('lockTimeout', upOptionsSchema.shape.lockTimeout).defaultText;
    expect(shown).toBe('2s');
    expect(upOptionsSchema.parse({}).lockTimeout).toBe(2000);
  });
});
