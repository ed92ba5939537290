import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { migrateDown, migrateUp, migrationStatus, runBackfill, verify } from '../../src/index.js';

describe('bad options: one shape from every API entry point', () => {
  const bad = { databaseUrl: 'postgres://u@127.0.0.1:1/db', schema: '', colour: true };
  it.each([
    ['migrateUp', () => migrateUp(bad)],
    ['migrateDown', () => migrateDown(bad)],
    ['migrationStatus', () => migrationStatus(bad)],
    ['runBackfill', () => runBackfill(bad)],
    ['verify', () => verify(bad)],
  ])('%s rejects with a UsageError before connecting', async (_name, call) => {
    const error = await call().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).problems).toEqual([
      "Setting 'schema' (options.schema): must not be empty",
      "Setting 'colour' (options.colour): is not an option here",
    ]);
    expect((error as UsageError).details.problems).toEqual([
      { setting: 'schema', source: 'options.schema', message: 'must not be empty' },
      { setting: 'colour', source: 'options.colour', message: 'is not an option here' },
    ]);
  });
});
