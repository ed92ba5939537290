import { describe, expect, it } from 'vitest';
import { backfillCommand } from '../../../src/cli/commands/backfill.js';
import { downCommand } from '../../../src/cli/commands/down.js';
import { statusCommand } from '../../../src/cli/commands/status.js';
import { upCommand } from '../../../src/cli/commands/up.js';
import { verifyCommand } from '../../../src/cli/commands/verify.js';
import { knownOptionKeys } from '../../../src/cli/command.js';

describe('settings shared across commands', () => {
  it('every command knows every command’s keys, so one config file or environment serves them all', () => {
    // yargs only builds the invoked command; the keys must be known without that.
    expect([upCommand, downCommand, statusCommand, backfillCommand, verifyCommand].every(Boolean)).toBe(true);
    const keys = knownOptionKeys();
    for (const key of [
      'databaseUrl',
      'lockTimeout',
      'lockRetries',
      'dryRun',
      'forceDropData',
      'batchSize',
      'targetBatchMs',
      'workers',
      'reverse',
      'format',
      'maxSamples',
      'failOnAnomaly',
    ]) {
      expect(keys.has(key), key).toBe(true);
    }
  });
});
