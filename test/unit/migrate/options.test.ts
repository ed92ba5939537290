import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { statusOptionsSchema, upOptionsSchema } from '../../../src/migrate/options.js';
import { apiSettings } from '../../harness/settings.js';

describe('API options', () => {
  it('applies the documented defaults', async () => {
    expect(await apiSettings(upOptionsSchema, { databaseUrl: 'postgres://u@h/db' })).toMatchObject({
      lockTimeoutMs: 2000,
      lockRetries: 10,
      lockRetryDelayMs: 1000,
      dryRun: false,
      schema: 'public',
      migrationsTable: 'aibridge_migrate_migrations',
    });
  });

  it('reports every problem at once, unknown options included', async () => {
    try {
      await apiSettings(upOptionsSchema, {
        databaseUrl: 'postgres://u@h/db',
        lockTimeout: 'soon',
        lockRetries: -1,
        lockTimout: '2s',
        migrationsTable: 'a"b',
      });
      throw new Error('expected a UsageError');
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).problems.sort()).toEqual([
        "Setting 'lock-retries' (options.lockRetries): must be between 0 and 1000, got -1",
        'Setting \'lock-timeout\' (options.lockTimeout): must be a duration like 2s, 500ms or 2000 (milliseconds), got "soon"',
        "Setting 'lock-timout' (options.lockTimout): is not an option here; did you mean options.lockTimeout?",
        "Setting 'migrations-table' (options.migrationsTable): must not contain a quote character (\" or '): node-pg-migrate pastes this name into SQL unescaped",
      ]);
    }
  });
});

describe('--coder-migration', () => {
  it("defaults to 461 and accepts a fork's number; rejects nonsense", async () => {
    expect((await apiSettings(upOptionsSchema, { databaseUrl: 'postgres://u@h/db' })).coderMigration).toBe(461);
    expect((await apiSettings(statusOptionsSchema, { databaseUrl: 'postgres://u@h/db', coderMigration: '1461' })).coderMigration).toBe(
      1461,
    );
    await expect(apiSettings(upOptionsSchema, { databaseUrl: 'postgres://u@h/db', coderMigration: 'latest' })).rejects.toThrow(
      /Setting 'coder-migration' \(options.coderMigration\): must be a whole number/,
    );
  });
});
