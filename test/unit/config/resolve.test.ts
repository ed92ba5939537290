/**
 * One resolver for the CLI, the API and the tests: every setting comes back with a typed
 * origin, and the output mode is resolved with the settings, even when they are bad.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { backfillSchema } from '../../../src/backfill/options.js';
import { knownOptionKeys } from '../../../src/cli/commands/index.js';
import { connectionShape, outputShape } from '../../../src/config/common.js';
import { duration, integer } from '../../../src/config/fields.js';
import { resolveSettings, type ResolveInput } from '../../../src/config/resolve.js';
import { UsageError } from '../../../src/errors.js';
import { statusOptionsSchema } from '../../../src/migrate/options.js';

function dirWith(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aibm-resolve-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const cli = (given: Record<string, unknown>, env: Record<string, string>, files: Record<string, string> = {}): ResolveInput => ({
  from: 'cli',
  given,
  env: { DATABASE_URL: 'postgres://u@h/db', ...env },
  cwd: dirWith(files),
});

describe('every setting says where its value came from', () => {
  it('flag, environment, config file or default, each with the name a message uses', async () => {
    const resolution = await resolveSettings(
      backfillSchema,
      cli({ batchSize: '500' }, { AIBRIDGE_MIGRATE_LOCK_TIMEOUT: '2s' }, { 'aibridge-migrate.yaml': 'max-retries: 3\n' }),
    );
    expect(resolution.ok && resolution.origins).toMatchObject({
      batchSize: { kind: 'flag', source: '--batch-size' },
      lockTimeout: { kind: 'env', source: 'AIBRIDGE_MIGRATE_LOCK_TIMEOUT' },
      maxRetries: { kind: 'config', source: 'config file key "max-retries"' },
      databaseUrl: { kind: 'env', source: 'DATABASE_URL' },
      statementTimeout: { kind: 'default', source: 'default' },
    });
  });

  it("the API's options rank as flags and are named options.<key>", async () => {
    const resolution = await resolveSettings(backfillSchema, {
      from: 'api',
      given: { databaseUrl: 'postgres://u@h/db', batchSize: 5 },
      env: {},
    });
    expect(resolution.ok && [resolution.origins.batchSize, resolution.origins.walk]).toEqual([
      { kind: 'flag', source: 'options.batchSize' },
      { kind: 'default', source: 'default' },
    ]);
  });

  it('DATABASE_URL is not read when AIBRIDGE_MIGRATE_DATABASE_URL_FILE gives the URL: the file wins, no conflict', async () => {
    const dir = dirWith({ secret: 'postgres://u@from-file/db\n' });
    const resolution = await resolveSettings(backfillSchema, {
      from: 'cli',
      given: {},
      env: { DATABASE_URL: 'postgres://u@du/db', AIBRIDGE_MIGRATE_DATABASE_URL_FILE: path.join(dir, 'secret') },
      cwd: dir,
    });
    expect(resolution.ok && [resolution.settings.connection.label, resolution.origins.databaseUrl!.kind]).toEqual([
      'from-file:5432/db',
      'default',
    ]);
  });

  it('a problem with a setting that took its default says so', async () => {
    const resolution = await resolveSettings(backfillSchema, cli({ batchSizeMax: '50' }, {}));
    expect(!resolution.ok && resolution.error.message).toBe(
      "Setting 'batch-size-min' (default): must not exceed --batch-size-max (50), got 100",
    );
  });
});

describe('the output mode comes from the same resolution', () => {
  it.each<[string, Record<string, unknown>, Record<string, string>, Record<string, string>, boolean]>([
    ['a flag', { json: true }, {}, {}, true],
    ['the environment', {}, { AIBRIDGE_MIGRATE_JSON: 'yes' }, {}, true],
    ['the config file', {}, {}, { 'aibridge-migrate.json': '{"json": true}' }, true],
    ['--no-json over the environment', { json: false }, { AIBRIDGE_MIGRATE_JSON: '1' }, {}, false],
    ['the environment over the config file', {}, { AIBRIDGE_MIGRATE_JSON: 'false' }, { 'aibridge-migrate.json': '{"json": true}' }, false],
  ])('%s', async (_name, given, env, files, json) => {
    // A bad setting beside it: the mode survives the failure.
    const resolution = await resolveSettings(backfillSchema, cli({ ...given, lockTimeout: 'soon' }, env, files));
    expect([resolution.ok, resolution.mode.json]).toEqual([false, json]);
  });

  it('a switch given a word it does not know is refused with what it takes', async () => {
    const resolution = await resolveSettings(backfillSchema, cli({}, { AIBRIDGE_MIGRATE_DEBUG: 'maybe' }));
    expect(!resolution.ok && resolution.error.message).toBe(
      `Setting 'debug' (AIBRIDGE_MIGRATE_DEBUG): must be true or false (or 1 / 0, yes / no), got "maybe"`,
    );
    expect(resolution.mode).toEqual({ json: false, debug: false });
  });

  it('the output options alone (before any command is known) resolve without a database', async () => {
    const resolution = await resolveSettings(z.object(outputShape), {
      from: 'cli',
      given: {},
      env: { AIBRIDGE_MIGRATE_JSON: '1' },
      cwd: dirWith(),
    });
    expect(resolution.ok && [resolution.mode, 'connection' in resolution.settings]).toEqual([{ json: true, debug: false }, false]);
  });
});

describe('a duration is milliseconds once resolved, under a name that says so', () => {
  it("'5s' → lockTimeoutMs 5000; a name that already ends in Ms keeps it", async () => {
    const resolution = await resolveSettings(
      backfillSchema,
      cli({ lockTimeout: '5s', pauseMs: '1.5s', connectTimeout: '3s' }, { AIBRIDGE_MIGRATE_MAX_REPLICATION_LAG: '1m' }),
    );
    if (!resolution.ok) throw resolution.error;
    const { settings } = resolution;
    expect([settings.lockTimeoutMs, settings.pauseMs, settings.maxReplicationLagMs, settings.statementTimeoutMs]).toEqual([
      5000, 1500, 60_000, 30_000,
    ]);
    expect(settings.connectTimeoutMs).toBe(3000);
    expect(settings.connection.connectTimeoutMs).toBe(3000);
    for (const key of ['lockTimeout', 'statementTimeout', 'maxReplicationLag', 'metricsLinger', 'connectTimeout'])
      expect(settings).not.toHaveProperty(key);
  });
});

const schema = z
  .object({ ...connectionShape, batchSize: integer(1, 1_000_000).optional(), lockTimeout: duration(1, 600_000).prefault(2000) })
  .strict();
const knownKeys = new Set([...Object.keys(schema.shape), 'config']);

function tmpFile(name: string, text: string): string {
  return path.join(dirWith({ [name]: text }), name);
}

const emptyDir = dirWith();

/**
 * The CLI's resolution of `schema` (flags, environment, config file); the libpq variables say
 * where the database is when nothing else does. Throws the resolution's UsageError.
 */
async function resolveCli<S extends z.ZodObject>(
  target: S,
  input: { flags: Record<string, unknown>; env: Record<string, string>; configFile?: string | undefined; knownKeys: ReadonlySet<string> },
) {
  const resolution = await resolveSettings(target, {
    from: 'cli',
    given: { ...input.flags, ...(input.configFile ? { config: input.configFile } : {}) },
    env: { PGHOST: 'pghost', PGDATABASE: 'db', ...input.env },
    cwd: emptyDir,
    knownKeys: input.knownKeys,
  });
  if (!resolution.ok) throw resolution.error;
  return resolution.settings;
}

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).problems;
  }
  throw new Error('expected a UsageError');
}

describe('option resolution: defaults < config file < environment < flags', () => {
  const file = tmpFile('opts.json', JSON.stringify({ 'batch-size': 10, lockTimeout: '5s', schema: 'from_file' }));

  it.each([
    ['defaults only', {}, {}, undefined, { batchSize: undefined, lockTimeout: 2000, schema: 'public' }],
    ['config file over defaults', {}, {}, file, { batchSize: 10, lockTimeout: 5000, schema: 'from_file' }],
    [
      'environment over config file',
      {},
      { AIBRIDGE_MIGRATE_BATCH_SIZE: '20' },
      file,
      { batchSize: 20, lockTimeout: 5000, schema: 'from_file' },
    ],
    [
      'flags over environment',
      { batchSize: '30', lockTimeout: '250ms' },
      { AIBRIDGE_MIGRATE_BATCH_SIZE: '20' },
      file,
      { batchSize: 30, lockTimeout: 250, schema: 'from_file' },
    ],
  ] as const)('%s', async (_name, flags, env, configFile, expected) => {
    const options = await resolveCli(schema, { flags: { ...flags }, env: { ...env }, configFile, knownKeys });
    expect({ batchSize: options.batchSize, lockTimeout: options.lockTimeoutMs, schema: options.schema }).toEqual(expected);
  });

  it('reads DATABASE_URL, and AIBRIDGE_MIGRATE_DATABASE_URL overrides it', async () => {
    const a = await resolveCli(schema, { flags: {}, env: { DATABASE_URL: 'postgres://u@h/db1' }, knownKeys });
    expect(a.databaseUrl).toBe('postgres://u@h/db1');
    const b = await resolveCli(schema, {
      flags: {},
      env: { DATABASE_URL: 'postgres://u@h/db1', AIBRIDGE_MIGRATE_DATABASE_URL: 'postgres://u@h/db2' },
      knownKeys,
    });
    expect(b.databaseUrl).toBe('postgres://u@h/db2');
  });

  it('reads YAML config files', async () => {
    const yaml = tmpFile('opts.yaml', 'batch-size: 77\nlock-timeout: 3s\n');
    const options = await resolveCli(schema, { flags: {}, env: {}, configFile: yaml, knownKeys });
    expect([options.batchSize, options.lockTimeoutMs]).toEqual([77, 3000]);
  });
});

describe('option errors name the setting, its source and the problem — all at once', () => {
  it('reports every bad value and unknown key in one error', async () => {
    const file = tmpFile('bad.json', JSON.stringify({ 'batch-sise': 5 }));
    const problems = await problemsOf(
      resolveCli(schema, {
        flags: { batchSize: '-3', lockTimeout: 'soon' },
        env: { AIBRIDGE_MIGRATE_BOGUS: '1', DATABASE_URL: 'mysql://x@y/z' },
        configFile: file,
        knownKeys,
      }),
    );
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/"batch-sise" is not an option/);
    expect(problems.join('\n')).toMatch(/AIBRIDGE_MIGRATE_BOGUS is not an option/);
    expect(problems.join('\n')).toMatch(/Setting 'batch-size' \(--batch-size\): must be between 1 and 1000000, got -3/);
    expect(problems.join('\n')).toMatch(/Setting 'lock-timeout' \(--lock-timeout\): must be a duration/);
    expect(problems.join('\n')).toMatch(/Setting 'database-url' \(DATABASE_URL\): the URL scheme must be postgres/);
  });

  it.each([
    ['0', /between 1 and/],
    ['abc', /whole number/],
    ['1.5', /whole number/],
    ['99999999999999999999', /whole number/],
    ['', /whole number/],
  ])('--batch-size %j is rejected', async (raw, message) => {
    const problems = await problemsOf(resolveCli(schema, { flags: { batchSize: raw }, env: {}, knownKeys }));
    expect(problems[0]).toMatch(message);
  });

  it.each(['http://user:hunter2@host/db', 'postgres://user:hunter2@host:notaport/db', 'postgresql://user:hunter2@'])(
    'never echoes the password of a malformed URL (%s)',
    async (url) => {
      const problems = await problemsOf(resolveCli(schema, { flags: { databaseUrl: url }, env: {}, knownKeys }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).not.toContain('hunter2');
    },
  );

  it('rejects a config file that is not an object, or not valid JSON', async () => {
    expect((await problemsOf(resolveCli(schema, { flags: {}, env: {}, configFile: tmpFile('a.json', '[1]'), knownKeys })))[0]).toMatch(
      /must hold an object/,
    );
    expect((await problemsOf(resolveCli(schema, { flags: {}, env: {}, configFile: tmpFile('b.json', '{'), knownKeys })))[0]).toMatch(
      /not valid JSON/,
    );
    expect((await problemsOf(resolveCli(schema, { flags: {}, env: {}, configFile: '/nonexistent/x.json', knownKeys })))[0]).toMatch(
      /cannot read the config file/,
    );
  });
});

describe('--pooler-ok comes through the same pipeline as every option', () => {
  it.each([
    ['off by default', {}, {}, undefined, false],
    ['from the config file', {}, {}, tmpFile('pooler.yaml', 'pooler-ok: true\n'), true],
    ['from the environment', {}, { AIBRIDGE_MIGRATE_POOLER_OK: '1' }, undefined, true],
    ['a flag wins over the environment', { poolerOk: false }, { AIBRIDGE_MIGRATE_POOLER_OK: 'yes' }, undefined, false],
  ] as const)('%s', async (_name, flags, env, configFile, expected) => {
    const { upOptionsSchema } = await import('../../../src/migrate/options.js');
    const { backfillSchema } = await import('../../../src/backfill/options.js');
    for (const target of [upOptionsSchema, backfillSchema]) {
      const keys = new Set([...Object.keys(target.shape), 'config']);
      const options = await resolveCli(target, { flags: { ...flags }, env: { ...env }, configFile, knownKeys: keys });
      expect(options.poolerOk).toBe(expected);
    }
  });
});

describe('config file discovery', () => {
  const discover = (cwd: string, env: Record<string, string> = {}, given: Record<string, unknown> = {}) =>
    resolveSettings(statusOptionsSchema, {
      from: 'cli',
      given,
      env: { DATABASE_URL: 'postgres://u@h/db', ...env },
      cwd,
      knownKeys: knownOptionKeys(),
    });

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
  ])('%s', async (_name, files, env, expected, problem) => {
    const resolution = await discover(dirWith(files), env);
    expect(resolution.configFile ? path.basename(resolution.configFile.path) : null).toBe(expected);
    if (problem) expect(!resolution.ok && resolution.error.message).toMatch(problem);
  });

  it('--config wins over everything', async () => {
    const dir = dirWith({ 'aibridge-migrate.yaml': '' });
    expect((await discover(dir, { AIBRIDGE_MIGRATE_CONFIG: 'y.json' }, { config: 'x.json' })).configFile).toEqual({
      path: path.join(dir, 'x.json'),
      via: '--config',
    });
  });

  it('any other extension is refused, naming the file', async () => {
    const dir = dirWith({ 'c.toml': 'lock-timeout = "2s"' });
    const resolution = await discover(dir, {}, { config: 'c.toml' });
    expect(!resolution.ok && resolution.error.message).toBe(
      `the config file ${path.join(dir, 'c.toml')} must be .yaml, .yml or .json (got ".toml"); other formats are not read`,
    );
  });
});

describe('settings resolution for the CLI', () => {
  const keys = knownOptionKeys();
  const resolve = (flags: Record<string, unknown>, env: Record<string, string>, files: Record<string, string> = {}) =>
    resolveSettings(statusOptionsSchema, { from: 'cli', given: flags, env, cwd: dirWith(files), knownKeys: keys });

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
    const dir = dirWith(files);
    const resolution = await resolveSettings(statusOptionsSchema, {
      from: 'cli',
      given: { ...flags, ...(flags.databaseUrlFile ? { databaseUrlFile: path.join(dir, String(flags.databaseUrlFile)) } : {}) },
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
    expect(!fromEnv.ok && fromEnv.mode.json).toBe(true);
    const fromFile = await resolve({}, {}, { 'aibridge-migrate.yml': 'json: true\nlock-timeout: soon\n' });
    expect(!fromFile.ok && [fromFile.mode.json, path.basename(fromFile.configFile!.path)]).toEqual([true, 'aibridge-migrate.yml']);
  });

  it('a flag-only option is refused from the environment and from a config file', async () => {
    const cli = await resolveSettings(statusOptionsSchema, {
      from: 'cli',
      given: {},
      env: { AIBRIDGE_MIGRATE_FORCE_DROP_DATA: '1', DATABASE_URL: 'postgres://u@h/db' },
      cwd: dirWith(),
      knownKeys: keys,
      flagOnlyKeys: new Set(['forceDropData']),
    });
    expect(!cli.ok && cli.error.message).toBe(
      "Setting 'force-drop-data' (AIBRIDGE_MIGRATE_FORCE_DROP_DATA): can only be given on the command line (--force-drop-data)",
    );
  });
});
