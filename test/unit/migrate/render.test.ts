import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { keySql, pgLocksKeyCondition } from '../../../src/db/advisory-lock.js';
import { bookkeepingNameProblem, MIGRATION_LOCK_ID } from '../../../src/migrate/bookkeeping.js';
import type { LockHolder } from '../../../src/db/lock-holders.js';
import { describeLockHolder, describeLockHolders } from '../../../src/db/lock-holders.js';
import { lockConflictKind } from '../../../src/migrate/lock-retry.js';
import { resolveApiOptions } from '../../../src/config/resolve.js';
import { upOptionsSchema } from '../../../src/migrate/options.js';
import { statementText } from '../../../src/migrate/render.js';

const blocker: LockHolder = {
  backendStart: null,
  pid: 4242,
  user: 'coder',
  applicationName: 'coderd',
  clientAddr: '10.0.0.7',
  state: 'idle in transaction',
  xactAgeMs: 83_400,
  stateAgeMs: 2_500,
  modes: ['AccessShareLock'],
  granted: true,
};

describe('describing who blocks', () => {
  it.each([
    [
      blocker,
      "pid 4242, application_name 'coderd', user coder, from 10.0.0.7: idle in transaction for 2.5 s, transaction open 83 s, holds AccessShareLock",
    ],
    [
      { ...blocker, user: null, clientAddr: null, state: 'active', xactAgeMs: null, granted: false, modes: ['RowExclusiveLock'] },
      "pid 4242, application_name 'coderd': active for 2.5 s, is queued for RowExclusiveLock",
    ],
  ])('%#', (b, expected) => {
    expect(describeLockHolder(b)).toBe(expected);
  });

  it('says so when the holder is already gone', () => {
    expect(describeLockHolders([])).toBe('the holder had already gone when we looked');
  });
});

describe('lock conflicts that are retried', () => {
  it.each([
    [Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }), 'lock_timeout'],
    [new Error("Another migration is already running. Advisory lock mode is set to 'fail'."), 'migration_lock'],
    [Object.assign(new Error('deadlock detected'), { code: '40P01' }), 'deadlock'],
    [Object.assign(new Error('could not serialize access'), { code: '40001' }), undefined],
    [Object.assign(new Error('permission denied'), { code: '42501' }), undefined],
    [new Error('boom'), undefined],
  ])('%s → %s', (error, kind) => {
    expect(lockConflictKind(error)).toBe(kind);
  });
});

describe('advisory lock keys', () => {
  it("a bigint key reaches SQL as exact decimal text (Coder's key is beyond 2^53)", () => {
    expect(keySql(BigInt(MIGRATION_LOCK_ID), 1)).toEqual({ sql: '$1::bigint', value: '4160937215072431' });
    expect(keySql(1_037_453_835_920_848_937n, 2).value).toBe('1037453835920848937');
    expect(keySql('aibridge-migrate backfill x', 1)).toEqual({
      sql: 'hashtextextended($1::text, 0)',
      value: 'aibridge-migrate backfill x',
    });
  });

  it('is found in pg_locks split into the classid/objid pair (high and low 32 bits, objsubid 1)', () => {
    const { sql, value } = pgLocksKeyCondition(BigInt(MIGRATION_LOCK_ID), 1);
    expect(value).toBe('4160937215072431');
    expect(sql).toContain('l.objsubid = 1');
    expect(sql).toContain('l.classid = (($1::bigint >> 32) & 4294967295)::oid AND l.objid = ($1::bigint & 4294967295)::oid');
  });
});

describe('bookkeeping names', () => {
  it.each([
    ['aibridge_migrate_migrations', false],
    ['Mig; DROP TABLE x; --', false],
    ['ünïcode😀', false],
    ['x"; DROP TABLE aibridge_token_usages; --', true],
    ["x'; DROP TABLE aibridge_token_usages; --", true],
  ])('%j refused: %s', (name, refused) => {
    expect(bookkeepingNameProblem('migrations-table', name) !== undefined).toBe(refused);
  });
});

describe('API options', () => {
  it('applies the documented defaults', () => {
    expect(resolveApiOptions(upOptionsSchema, { databaseUrl: 'postgres://u@h/db' }, { env: {} })).toMatchObject({
      lockTimeout: 2000,
      lockRetries: 10,
      lockRetryDelay: 1000,
      dryRun: false,
      schema: 'public',
      migrationsTable: 'aibridge_migrate_migrations',
    });
  });

  it('reports every problem at once, unknown options included', () => {
    try {
      resolveApiOptions(
        upOptionsSchema,
        { databaseUrl: 'postgres://u@h/db', lockTimeout: 'soon', lockRetries: -1, lockTimout: '2s', migrationsTable: 'a"b' },
        { env: {} },
      );
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

describe('dry-run statements', () => {
  it.each([
    [{ sql: 'ALTER TABLE "public"."t" ADD COLUMN "c" bigint', values: [] }, 'ALTER TABLE "public"."t" ADD COLUMN "c" bigint;'],
    [{ sql: 'CREATE SCHEMA x;', values: [] }, 'CREATE SCHEMA x;'],
    [
      { sql: 'INSERT INTO "public"."m" (name, run_on) VALUES ($1, NOW())', values: ['001_a'] },
      'INSERT INTO "public"."m" (name, run_on) VALUES ($1, NOW()); -- $1 = "001_a"',
    ],
  ])('%#', (statement, expected) => {
    expect(statementText(statement)).toBe(expected);
  });
});

describe('dedent for printed SQL', () => {
  it('removes the common indentation of template-literal SQL and its blank edges', async () => {
    const { dedent } = await import('../../../src/migrate/dry-run.js');
    expect(dedent('\n      CREATE TABLE t (\n        id int\n      )  \n')).toBe('CREATE TABLE t (\n  id int\n)');
    expect(dedent('ALTER TABLE t ADD c int')).toBe('ALTER TABLE t ADD c int');
  });
});
