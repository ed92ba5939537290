/**
 * The CLI as a pipeline runs it: a real process, real exit codes, data on stdout, logs on stderr.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../harness/database.js';
import { freshDatabase } from '../harness/migrate.js';
import { LEDGER_MIGRATIONS, SHIPPED_MIGRATIONS } from '../harness/toolkit-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The parent's environment without anything that would configure the CLI behind the test's back. */
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => name !== 'DATABASE_URL' && !name.startsWith('AIBRIDGE_MIGRATE_') && !/^PG[A-Z]/.test(name),
  ),
);

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'src', 'cli', 'main.ts'), ...args],
      {
        cwd: root,
        env: { ...inherited, NO_COLOR: '1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const NO_STACK = /^\s+at /m;

describe('aibridge-migrate up | down | status', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  it('exit 2 for a malformed database URL and for a missing one, without a stack trace', async () => {
    const bad = await cli(['up', '--database-url', 'mysql://x@y/z']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Setting 'database-url' (--database-url): the URL scheme must be postgres:// or postgresql://");
    expect(bad.stderr).not.toMatch(NO_STACK);
    const missing = await cli(['status']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no database URL');
  });

  it('exit 3 when the server cannot be reached, with the password redacted', async () => {
    const run = await cli(['status', '--connect-timeout', '2s'], { DATABASE_URL: 'postgres://coder:s3cret-pw@127.0.0.1:1/coder' });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('cannot reach 127.0.0.1:1/coder');
    expect(run.stderr).not.toContain('s3cret-pw');
    expect(run.stderr).not.toMatch(NO_STACK);
  });

  it('dry run, up, a second up with nothing pending, and status: exit 0 with one JSON document each', async () => {
    const dry = await cli(['up', '--dry-run'], { DATABASE_URL: db.url });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      'ALTER TABLE "public"."aibridge_token_usages" ADD COLUMN IF NOT EXISTS "cache_read_input_tokens" bigint NOT NULL DEFAULT 0',
    );
    expect(dry.stdout).toContain('nothing was changed');

    const up = await cli(['up', '--json'], { DATABASE_URL: db.url });
    expect(up.code).toBe(0);
    const doc = JSON.parse(up.stdout);
    expect(doc).toMatchObject({ status: 'ok', command: 'up', dry_run: false, nothing_pending: false, attempts: 1, lock_waits: [] });
    expect(doc.applied.map((m: { name: string }) => m.name)).toEqual(SHIPPED_MIGRATIONS);
    expect(up.stderr).toContain('applied 20261128000000000_cache-token-columns');

    const again = await cli(['up'], { DATABASE_URL: db.url });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`nothing to apply: ${SHIPPED_MIGRATIONS.length} migration(s) already applied`);

    const status = await cli(['status', '--json'], { DATABASE_URL: db.url });
    expect(status.code).toBe(0);
    const statusDoc = JSON.parse(status.stdout);
    expect(statusDoc.pending).toEqual([]);
    expect(statusDoc.applied).toHaveLength(SHIPPED_MIGRATIONS.length);
  });

  it('exit 6 when down would destroy data, exit 4 when the lock budget is spent', async () => {
    // Revert the ledger first, so the next down is the column drop.
    for (const name of LEDGER_MIGRATIONS) {
      const down = await cli(['down'], { DATABASE_URL: db.url });
      expect(down.code).toBe(0);
      expect(down.stdout).toContain(`reverted ${name}`);
    }
    await db.query(`INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at, cache_read_input_tokens)
                    VALUES (gen_random_uuid(), gen_random_uuid(), 'r', 1, 1, '{}', now(), 500)`);
    const refused = await cli(['down', '--json'], { DATABASE_URL: db.url });
    expect(refused.code).toBe(6);
    const error = JSON.parse(refused.stdout);
    expect(error).toMatchObject({ status: 'error', error: { code: 'DOWN_REFUSED', exit_code: 6, details: { rows_blocking: 1 } } });
    expect(refused.stderr).toContain('backfill --reverse');

    const blocker = new pg.Client({ connectionString: db.url, application_name: 'cli-blocker' });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM aibridge_token_usages LIMIT 1');
      const locked = await cli(
        ['down', '--force-drop-data', '--json', '--lock-timeout', '200ms', '--lock-retries', '1', '--lock-retry-delay', '50ms'],
        { DATABASE_URL: db.url },
      );
      expect(locked.code).toBe(4);
      expect(locked.stderr).toContain("application_name 'cli-blocker'");
      const lockDoc = JSON.parse(locked.stdout);
      expect(lockDoc.error).toMatchObject({ code: 'LOCK_TIMEOUT', exit_code: 4, details: { attempts: 2 } });
      expect(lockDoc.error.details.lock_waits[0]).toMatchObject({
        attempt: 1,
        kind: 'lock_timeout',
        blockers: [{ application_name: 'cli-blocker', state: 'idle in transaction', granted: true }],
      });
      // First retry: jittered between half and all of --lock-retry-delay; the last wait has no retry.
      expect(lockDoc.error.details.lock_waits[0].retry_in_ms).toBeGreaterThanOrEqual(25);
      expect(lockDoc.error.details.lock_waits[0].retry_in_ms).toBeLessThanOrEqual(50);
      expect(lockDoc.error.details.lock_waits[1].retry_in_ms).toBeNull();
      expect(locked.stderr).not.toMatch(NO_STACK);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const columns = await db.query(
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'aibridge_token_usages' AND column_name LIKE 'cache%'`,
    );
    expect(columns.rows[0].n).toBe(2);
  });
});
