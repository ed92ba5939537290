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
import { outputShape } from '../../../src/config/common.js';
import { resolveSettings, type ResolveInput } from '../../../src/config/resolve.js';

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
