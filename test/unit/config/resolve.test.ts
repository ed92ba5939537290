/**
 * One option pipeline: each command's schema gives its flags, --help defaults and environment
 * names; settings come from one place in a documented order; bad options come back from
 * every API entry point in one shape.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { unknownFlagProblems } from '../../../src/cli/command.js';
import { knownOptionKeys } from '../../../src/cli/commands/index.js';
import { optionInfo } from '../../../src/config/fields.js';
import { editDistance, nearest } from '../../../src/config/names.js';
import { locateConfigFile, readConfigFile, resolveSettings } from '../../../src/config/resolve.js';
import { UsageError } from '../../../src/errors.js';
import { migrateDown, migrateUp, migrationStatus, runBackfill, verify } from '../../../src/index.js';
import { statusOptionsSchema, upOptionsSchema } from '../../../src/migrate/options.js';

function tmpDir(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aibm-opts-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const command = (name: string) => COMMANDS.find((c) => c.name === name)!;

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

  it('every command knows every command’s keys, and the connection options', () => {
    const keys = knownOptionKeys();
    for (const key of ['databaseUrlFile', 'sslmode', 'sslRootCert', 'sslCert', 'sslKey', 'check', 'forceDropData', 'workers', 'format'])
      expect(keys.has(key), key).toBe(true);
  });
});

describe('typos', () => {
  it.each([
    ['lock-timout', ['lock-timeout', 'lock-retries', 'schema'], 'lock-timeout'],
    ['batch-sise', ['batch-size', 'batch-size-min'], 'batch-size'],
    ['statsu', ['up', 'down', 'status', 'backfill', 'verify'], 'status'],
    ['verif', ['up', 'down', 'status', 'backfill', 'verify'], 'verify'],
    ['xyz', ['up', 'down', 'status'], undefined],
  ])('%s → %s', (typed, candidates, expected) => {
    expect(nearest(typed, candidates)).toBe(expected);
  });

  it('edit distance', () => {
    expect([editDistance('kitten', 'sitting'), editDistance('', 'abc'), editDistance('same', 'same')]).toEqual([3, 3, 0]);
  });

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

describe('config file discovery', () => {
  it.each<[string, Record<string, string>, Record<string, string>, string | null, RegExp | null]>([
    ['aibridge-migrate.yaml in the working directory', { 'aibridge-migrate.yaml': '' }, {}, 'aibridge-migrate.yaml', null],
    ['aibridge-migrate.json in the working directory', { 'aibridge-migrate.json': '{}' }, {}, 'aibridge-migrate.json', null],
    [
      'AIBRIDGE_MIGRATE_CONFIG wins over discovery',
      { 'aibridge-migrate.yaml': '', 'other.yml': '' },
      { AIBRIDGE_MIGRATE_CONFIG: 'other.yml' },
      'other.yml',
      null,
    ],
    ['none', {}, {}, null, null],
    [
      'two candidates is ambiguous',
      { 'aibridge-migrate.yaml': '', 'aibridge-migrate.json': '{}' },
      {},
      null,
      /several config files .*aibridge-migrate\.yaml, aibridge-migrate\.json/,
    ],
  ])('%s', (_name, files, env, expected, problem) => {
    const dir = tmpDir(files);
    const located = locateConfigFile(undefined, env, dir);
    expect(located.file ? path.basename(located.file.path) : null).toBe(expected);
    if (problem) expect(located.problems[0]!.message).toMatch(problem);
  });

  it('--config wins over everything', () => {
    const dir = tmpDir({ 'aibridge-migrate.yaml': '' });
    expect(locateConfigFile('x.json', { AIBRIDGE_MIGRATE_CONFIG: 'y.json' }, dir).file).toEqual({
      path: path.join(dir, 'x.json'),
      via: '--config',
    });
  });

  it('any other extension is refused, naming the file', async () => {
    const file = path.join(tmpDir({ 'c.toml': 'lock-timeout = "2s"' }), 'c.toml');
    const layer = await readConfigFile(file, new Set(['lockTimeout']));
    expect(layer.problems[0]!.message).toBe(
      `the config file ${file} must be .yaml, .yml or .json (got ".toml"); other formats are not read`,
    );
  });
});

describe('settings resolution for the CLI', () => {
  const keys = knownOptionKeys();
  const resolve = (flags: Record<string, unknown>, env: Record<string, string>, files: Record<string, string> = {}) =>
    resolveSettings(statusOptionsSchema, { flags, env, cwd: tmpDir(files), knownKeys: keys });

  it.each<[string, Record<string, unknown>, Record<string, string>, Record<string, string>, string]>([
    [
      '--database-url beats every environment URL',
      { databaseUrl: 'postgres://u@flag/db' },
      { AIBRIDGE_MIGRATE_DATABASE_URL: 'postgres://u@env/db', DATABASE_URL: 'postgres://u@du/db' },
      {},
      'flag:5432/db',
    ],
    [
      'AIBRIDGE_MIGRATE_DATABASE_URL beats DATABASE_URL',
      {},
      { AIBRIDGE_MIGRATE_DATABASE_URL: 'postgres://u@env/db', DATABASE_URL: 'postgres://u@du/db' },
      {},
      'env:5432/db',
    ],
    [
      'AIBRIDGE_MIGRATE_DATABASE_URL_FILE beats DATABASE_URL',
      {},
      { AIBRIDGE_MIGRATE_DATABASE_URL_FILE: 'secret', DATABASE_URL: 'postgres://u@du/db' },
      { secret: 'postgres://u@file/db\n' },
      'file:5432/db',
    ],
    [
      'DATABASE_URL beats the config file',
      {},
      { DATABASE_URL: 'postgres://u@du/db' },
      { 'aibridge-migrate.yaml': 'database-url: postgres://u@cfg/db\n' },
      'du:5432/db',
    ],
    [
      'the config file beats the libpq variables',
      {},
      { PGHOST: 'pghost', PGDATABASE: 'db' },
      { 'aibridge-migrate.yaml': 'database-url: postgres://u@cfg/db\n' },
      'cfg:5432/db',
    ],
    ['the libpq variables alone', {}, { PGHOST: 'pghost', PGPORT: '6000', PGDATABASE: 'db' }, {}, 'pghost:6000/db'],
  ])('%s', async (_name, flags, env, files, label) => {
    const dir = tmpDir(files);
    const resolution = await resolveSettings(statusOptionsSchema, {
      flags: { ...flags, ...(flags.databaseUrlFile ? { databaseUrlFile: path.join(dir, String(flags.databaseUrlFile)) } : {}) },
      env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, k.endsWith('_FILE') ? path.join(dir, v) : v])),
      cwd: dir,
      knownKeys: keys,
    });
    expect(resolution.ok ? resolution.settings.connection.label : resolution.error.message).toBe(label);
  });

  it('both the URL and a URL file at the same level is an error', async () => {
    const resolution = await resolve({ databaseUrl: 'postgres://u@a/db', databaseUrlFile: '/x' }, {});
    expect(!resolution.ok && resolution.error.message).toBe('both --database-url and --database-url-file give the database URL: keep one');
  });

  it('JSON mode from the environment or the config file survives a bad setting', async () => {
    const fromEnv = await resolve({ lockTimeout: 'soon' }, { AIBRIDGE_MIGRATE_JSON: '1', DATABASE_URL: 'postgres://u@h/db' });
    expect(!fromEnv.ok && fromEnv.json).toBe(true);
    const fromFile = await resolve({}, {}, { 'aibridge-migrate.yml': 'json: true\nlock-timeout: soon\n' });
    expect(!fromFile.ok && [fromFile.json, path.basename(fromFile.configFile!.path)]).toEqual([true, 'aibridge-migrate.yml']);
  });

  it('a flag-only option is refused from the environment and from a config file', async () => {
    const cli = await resolveSettings(statusOptionsSchema, {
      flags: {},
      env: { AIBRIDGE_MIGRATE_FORCE_DROP_DATA: '1', DATABASE_URL: 'postgres://u@h/db' },
      cwd: tmpDir(),
      knownKeys: keys,
      flagOnlyKeys: new Set(['forceDropData']),
    });
    expect(!cli.ok && cli.error.message).toBe(
      "Setting 'force-drop-data' (AIBRIDGE_MIGRATE_FORCE_DROP_DATA): can only be given on the command line (--force-drop-data)",
    );
  });
});

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
