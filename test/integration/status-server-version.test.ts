/**
 * `status` on whatever server the run has (the matrix runs this file on every major): on
 * PostgreSQL 13 exactly one warning line, never an error (a ready database still passes
 * `--check`); on 14 and newer no warning. `--json` carries the verdict as `server`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeServerVersion } from '../../src/db/server-version.js';
import { runCliProcess } from '../harness/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

describe('status names the server version, and warns on PostgreSQL 13 only', () => {
  let db: TestDatabase;
  let version: { num: number; text: string };
  const status = (...args: string[]) => runCliProcess(['status', ...args], { env: { DATABASE_URL: db.url } });
  const warnings = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('warning:'));

  beforeAll(async () => {
    db = await createTestDatabase();
    const { rows } = await db.query(`SELECT current_setting('server_version_num')::int AS num, current_setting('server_version') AS text`);
    version = rows[0];
  });
  afterAll(() => db.drop());

  it('text: one warning line on 13, none on 14 and newer; exit 0 either way', async () => {
    const run = await status();
    expect(run.code).toBe(0);
    if (Math.floor(version.num / 10000) === 13) {
      expect(warnings(run.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^warning: PostgreSQL ${version.text.replaceAll('.', '\\.')} is past its end of life \\(November 2025\\): .*key order`,
          ),
        ),
      ]);
    } else {
      expect(warnings(run.stderr)).toEqual([]);
    }
  });

  it('--json: the server field holds the version and the same verdict the warning line shows', async () => {
    const run = await status('--json');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    const judged = judgeServerVersion(version);
    const expected = judged.status === 'unsupported' ? null : judged.warning;
    expect(doc.server).toEqual({ version: version.text, version_num: version.num, support: judged.status, warning: expected });
    expect(warnings(run.stderr)).toEqual(expected === null ? [] : [`warning: ${expected}`]);
    expect(['supported', 'end_of_life']).toContain(doc.server.support);
  });

  it('--check on a migrated and backfilled database exits 0 on every supported major, 13 included', async () => {
    expect((await runCliProcess(['up'], { env: { DATABASE_URL: db.url } })).code).toBe(0);
    expect((await runCliProcess(['backfill'], { env: { DATABASE_URL: db.url } })).code).toBe(0);
    const run = await status('--check');
    expect(run.stderr).toMatch(/^status --check: ready/m);
    expect(run.code).toBe(0);
  });
});
