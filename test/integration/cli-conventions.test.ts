/**
 * What a pipeline relies on, through the real CLI: JSON mode from the flag, the environment or
 * the config file, with an error always the documented JSON document on stdout (yargs-level
 * failures and bad settings included); config files found in the working directory; typos
 * answered with the nearest command or flag.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess } from '../harness/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

function workdir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aibm-cwd-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const ERROR_DOCUMENT = {
  status: 'error',
  error: { code: 'USAGE', exit_code: 2, message: expect.any(String), hint: expect.any(String), details: expect.any(Object) },
};

describe('one JSON contract', () => {
  it.each<[string, string[], Record<string, string>, Record<string, string>, RegExp]>([
    [
      'unknown command, AIBRIDGE_MIGRATE_JSON=1',
      ['statsu'],
      { AIBRIDGE_MIGRATE_JSON: '1' },
      {},
      /^Unknown command: statsu \(did you mean status\?/,
    ],
    [
      'no command at all, --json',
      ['--json'],
      {},
      {},
      /^Name a command: apply, up, down, status, backfill, verify, pause, resume, cancel, throttle\.$/,
    ],
    [
      'unknown flag, json: true in the config file',
      ['up', '--lock-timout', '2s'],
      {},
      { 'aibridge-migrate.yaml': 'json: true\n' },
      /^Unknown argument: lock-timout \(did you mean --lock-timeout\?\)$/,
    ],
    [
      'a bad value, json: true in the config file',
      ['status'],
      { DATABASE_URL: 'postgres://u@127.0.0.1:1/db' },
      { 'aibridge-migrate.json': '{"json": true, "lock-timeout": "soon"}' },
      /^Setting 'lock-timeout' \(config file key "lock-timeout"\): must be a duration/,
    ],
    ['no database, AIBRIDGE_MIGRATE_JSON=true', ['verify'], { AIBRIDGE_MIGRATE_JSON: 'true' }, {}, /^no database URL/],
  ])('%s: the error document on stdout, exit 2', async (_name, args, env, files, message) => {
    const cwd = workdir(files);
    const run = await runCliProcess(args, { env, cwd });
    expect(run.code, run.stderr).toBe(2);
    expect(run.events).toHaveLength(1);
    expect(run.events[0]).toMatchObject(ERROR_DOCUMENT);
    expect(run.events[0]!.error.message).toMatch(message);
    const configFile = Object.keys(files)[0];
    expect(run.events[0]!.config_file).toBe(configFile ? path.join(cwd, configFile) : null);
    // Humans still get the message on stderr.
    expect(run.stderr).toMatch(/^error: /m);
  });

  it('--no-json on the command line wins over the environment', async () => {
    const run = await runCliProcess(['statsu', '--no-json'], { env: { AIBRIDGE_MIGRATE_JSON: '1' } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});

describe('config files and where settings came from', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('aibridge-migrate.yaml in the working directory is read, and said so (--debug and JSON)', async () => {
    const cwd = workdir({ 'aibridge-migrate.yaml': `database-url: ${db.url}\nlock-timeout: 3s\n` });
    const run = await runCliProcess(['status', '--json', '--debug'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(run.events[0]).toMatchObject({ status: 'ok', command: 'status', config_file: path.join(cwd, 'aibridge-migrate.yaml') });
    expect(run.stderr).toContain(`debug: config file: ${path.join(cwd, 'aibridge-migrate.yaml')} (found in the working directory)`);
    expect(run.stderr).toMatch(/debug: connection: 127\.0\.0\.1:\d+\/aibridge_migrate_t_\w+: .*sslmode prefer \(default\)/);
  });

  it('AIBRIDGE_MIGRATE_CONFIG names the file; another extension is refused (exit 2)', async () => {
    const cwd = workdir({ 'settings.yml': `database-url: ${db.url}\n`, 'settings.toml': `database-url = "${db.url}"\n` });
    const yml = await runCliProcess(['status'], { cwd, env: { AIBRIDGE_MIGRATE_CONFIG: 'settings.yml' } });
    expect(yml.code, yml.stderr).toBe(0);
    const toml = await runCliProcess(['status'], { cwd, env: { AIBRIDGE_MIGRATE_CONFIG: 'settings.toml' } });
    expect(toml.code).toBe(2);
    expect(toml.stderr).toContain(
      `error: the config file ${path.join(cwd, 'settings.toml')} must be .yaml, .yml or .json (got ".toml"); other formats are not read`,
    );
  });
});
