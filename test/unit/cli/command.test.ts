import { describe, expect, it } from 'vitest';
import { backfillCommand } from '../../../src/cli/commands/backfill.js';
import { downCommand } from '../../../src/cli/commands/down.js';
import { statusCommand } from '../../../src/cli/commands/status.js';
import { upCommand } from '../../../src/cli/commands/up.js';
import { verifyCommand } from '../../../src/cli/commands/verify.js';
import { knownOptionKeys, unknownFlagProblems } from '../../../src/cli/command.js';
import { COMMANDS } from '../../../src/cli/commands/index.js';

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

  it('every command knows every command’s keys, and the connection options', () => {
    const keys = knownOptionKeys();
    for (const key of ['databaseUrlFile', 'sslmode', 'sslRootCert', 'sslCert', 'sslKey', 'check', 'forceDropData', 'workers', 'format'])
      expect(keys.has(key), key).toBe(true);
  });
});

const command = (name: string) => COMMANDS.find((c) => c.name === name)!;

describe('typos', () => {
  it('an unknown flag gets the nearest flag of the command; another command’s flag says whose it is', () => {
    expect(unknownFlagProblems(command('up'), { _: ['up'], 'lock-timout': '2s', lockTimout: '2s' })).toEqual([
      'Unknown argument: lock-timout (did you mean --lock-timeout?)',
    ]);
    expect(unknownFlagProblems(command('status'), { _: ['status'], 'batch-size': 5, batchSize: 5 })).toEqual([
      'Unknown argument: batch-size (an option of backfill, not of status)',
    ]);
    expect(unknownFlagProblems(command('verify'), { _: ['verify', 'extra'] })).toEqual([
      'Unexpected argument: extra (verify takes options only)',
    ]);
  });
});
