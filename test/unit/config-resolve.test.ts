import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageError } from '../../src/errors.js';
import { connectionShape } from '../../src/config/common.js';
import { duration, integer } from '../../src/config/fields.js';
import { resolveSettings } from '../../src/config/resolve.js';

const schema = z
  .object({ ...connectionShape, batchSize: integer(1, 1_000_000).optional(), lockTimeout: duration(1, 600_000).prefault(2000) })
  .strict();
const knownKeys = new Set([...Object.keys(schema.shape), 'config']);

function tmpFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aibm-config-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aibm-cwd-'));

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
    const { upOptionsSchema } = await import('../../src/migrate/options.js');
    const { backfillSchema } = await import('../../src/backfill/options.js');
    for (const target of [upOptionsSchema, backfillSchema]) {
      const keys = new Set([...Object.keys(target.shape), 'config']);
      const options = await resolveCli(target, { flags: { ...flags }, env: { ...env }, configFile, knownKeys: keys });
      expect(options.poolerOk).toBe(expected);
    }
  });
});
