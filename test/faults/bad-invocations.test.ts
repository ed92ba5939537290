/**
 * Bad invocations, table-driven, through the real CLI in a child process: each gets one
 * clear message naming the problem, a hint naming the fix, the documented exit code, no
 * stack trace (unless --debug), and the password never appears on stdout or stderr — in
 * text or --json mode.
 *
 * Stand-ins, where the real thing cannot be had on a test server:
 * - a read-only standby is a role whose sessions default to read-only
 *   (default_transaction_read_only = on): the same SQLSTATE 25006 a hot standby raises;
 * - a wrong password needs password authentication, and the shared test server trusts
 *   127.0.0.1: a dedicated embedded server gets a scram-sha-256 line for one role in its
 *   pg_hba.conf (skipped when the suite runs on TEST_DATABASE_URL or a container).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { addPasswordRole, startEmbeddedServer, type EmbeddedServer } from '../harness/embedded-server.js';
import { applyToolkitMigrations } from '../harness/toolkit-schema.js';
import { runCli, type CliExit } from '../harness/fault-cli.js';

const PASSWORD = 'Pw-S3cret-42';
const COMMANDS = ['up', 'down', 'status', 'backfill', 'verify'] as const;
type Command = (typeof COMMANDS)[number];

interface Context {
  /** post-`up` database with rows; pre-`up` database; a database without the aibridge tables. */
  post: string;
  pre: string;
  empty: string;
  /** URL of `db` for `role` (trust auth: the password is there to prove it is never shown). */
  as(role: string, db: 'post' | 'pre'): string;
  roles: { noUpdate: string; readOnly: string; tinyTimeout: string };
  /** URL with a wrong password on a server that checks it; null when not available. */
  wrongPassword: string | null;
}

interface Case {
  name: string;
  commands: readonly Command[];
  args(ctx: Context, command: Command): string[];
  exit: number;
  message: RegExp;
  hint: RegExp;
  /** Also run the first command with --json (kept to a few cases: each run is a process). */
  json?: boolean;
  /** verify before `up` prints a preview report and a warning, not an error. */
  warningOnly?: boolean;
  skip?(ctx: Context): string | null;
}

const url = (ctx: Context, db: 'post' | 'pre' | 'empty') => ctx[db];
const UNREACHABLE = `postgres://app:${PASSWORD}@127.0.0.1:1/coder`;

const CASES: Case[] = [
  {
    name: 'unreachable host (connection refused)',
    commands: COMMANDS,
    json: true,
    args: () => ['--database-url', UNREACHABLE],
    exit: 3,
    message: /error: cannot reach 127\.0\.0\.1:1\/coder while connecting: connect ECONNREFUSED/,
    hint: /hint: Check the host and port in the database URL, that the server is running/,
  },
  {
    name: 'host name that does not resolve (password with a raw @ in the URL)',
    commands: ['backfill'],
    args: () => ['--database-url', `postgres://app:${PASSWORD}@x@db.nonexistent.invalid:5432/coder`],
    exit: 3,
    message: /error: cannot reach db\.nonexistent\.invalid:5432\/coder while connecting: getaddrinfo (ENOTFOUND|EAI_AGAIN)/,
    hint: /hint: Check the host and port/,
  },
  {
    name: 'wrong password',
    commands: ['up', 'backfill', 'verify'],
    json: true,
    args: (ctx) => ['--database-url', ctx.wrongPassword!],
    exit: 3,
    message:
      /error: authentication to 127\.0\.0\.1:\d+\/postgres failed while connecting: password authentication failed for user "pw_user"/,
    hint: /hint: Check the user name and password in the database URL/,
    skip: (ctx) => (ctx.wrongPassword ? null : 'needs a dedicated embedded server with password authentication'),
  },
  {
    name: 'nonexistent database',
    commands: ['status', 'backfill'],
    args: (ctx) => {
      const other = new URL(ctx.post);
      other.pathname = `/no_such_db_${randomBytes(3).toString('hex')}`;
      return ['--database-url', other.toString()];
    },
    exit: 3,
    message: /error: the database in .*\/no_such_db_\w+ does not exist/,
    hint: /hint: Check the database name at the end of the database URL/,
  },
  {
    name: 'missing table (not the Coder database)',
    commands: ['up', 'backfill', 'verify'],
    json: true,
    args: (ctx) => ['--database-url', url(ctx, 'empty')],
    exit: 5,
    message:
      /error: .*(aibridge_token_usages does not exist|aibridge_token_usages not found in schema "public"|"aibridge_token_usages" does not exist)/,
    hint: /(hint|Fix): Check --schema/,
  },
  {
    name: 'missing table: --schema names a schema without it',
    commands: ['backfill', 'verify'],
    args: (ctx) => ['--database-url', url(ctx, 'post'), '--schema', 'coder_elsewhere'],
    exit: 5,
    message:
      /error: .*(Schema "coder_elsewhere" does not exist|not found in schema "coder_elsewhere"|"coder_elsewhere"\."aibridge_token_usages" does not exist)/,
    hint: /(hint|Fix): .*--schema/,
  },
  {
    name: 'missing columns: backfill before up',
    commands: ['backfill'],
    json: true,
    args: (ctx) => ['--database-url', url(ctx, 'pre')],
    exit: 5,
    message: /error: "public"\."aibridge_token_usages" has no cache_read_input_tokens \/ cache_write_input_tokens columns yet/,
    hint: /hint: Run `aibridge-migrate up` first/,
  },
  {
    name: 'missing columns: verify before up is a preview, exit 5',
    commands: ['verify'],
    args: (ctx) => ['--database-url', url(ctx, 'pre')],
    exit: 5,
    message: /warning: the cache columns do not exist yet: this report is a preview/,
    hint: /Run `aibridge-migrate up` first/,
    warningOnly: true,
  },
  {
    name: 'a role without UPDATE privilege',
    commands: ['backfill'],
    json: true,
    args: (ctx) => ['--database-url', ctx.as(ctx.roles.noUpdate, 'post')],
    exit: 3,
    message: /error: this role lacks privileges the backfill needs: UPDATE on "public"\."aibridge_token_usages"/,
    hint: /hint: Run as the role that owns the aibridge tables, or GRANT/,
  },
  {
    name: 'a role that does not own the table (up) or may not write the bookkeeping (down)',
    commands: ['up', 'down'],
    // up where something is pending (pre), down where something is applied (post).
    args: (ctx, command) => ['--database-url', ctx.as(ctx.roles.noUpdate, command === 'up' ? 'pre' : 'post')],
    exit: 3,
    message: /error: preflight failed: Role fault_noupd_\w+ (does not own public\.aibridge_token_usages|may not)/,
    hint: /Fix: /,
  },
  {
    name: 'a read-only standby (stand-in: sessions default to read-only)',
    commands: ['up', 'backfill', 'down'],
    json: true,
    // up where something is pending (pre), backfill and down where `up` has run (post).
    args: (ctx, command) => ['--database-url', ctx.as(ctx.roles.readOnly, command === 'up' ? 'pre' : 'post')],
    exit: 5,
    message: /error: (preflight failed: Sessions of role fault_ro_\w+ on database "\w+" are read-only|.* only accepts reads while)/,
    hint: /(Fix: Connect to the primary|hint: Point the database URL at the primary)/,
  },
  {
    name: 'a tiny statement_timeout on the role',
    commands: ['up', 'backfill', 'verify'],
    args: (ctx) => ['--database-url', ctx.as(ctx.roles.tinyTimeout, 'post')],
    exit: 5,
    // A 1 ms timeout can fire as a statement ends; PostgreSQL then cancels the next one as a "user request".
    message:
      /error: (a statement ran longer than statement_timeout allows while [a-z ]+: canceling statement due to statement timeout|a statement was cancelled while [a-z ]+: canceling statement due to user request)/,
    hint: /hint: .*the statement_timeout set for this role, database or server .* ALTER ROLE <role> SET statement_timeout/i,
  },
  {
    name: 'a tiny --statement-timeout for the batches: retries, then stops resumable (exit 8)',
    commands: ['backfill'],
    json: true,
    args: (ctx) => ['--database-url', url(ctx, 'post'), '--statement-timeout', '1ms', '--max-retries', '1', '--batch-size', '5000'],
    exit: 8,
    message: /error: a batch of run #\d+ failed 2 times in a row \(last: a statement ran longer than statement_timeout allows/,
    hint: /hint: Every committed batch is kept\. Fix the cause \(see above\)\. Resume with: aibridge-migrate backfill --database-url 'postgres:\/\/postgres:\*\*\*@.* \(it continues on [^)]+\)$/m,
  },
  {
    name: 'negative values, including a negative non-number given as the next word (--lock-timeout -2s)',
    commands: ['backfill'],
    args: (ctx) => ['--database-url', url(ctx, 'post'), '--batch-size', '-5', '--max-retries', '-1', '--lock-timeout', '-2s'],
    exit: 2,
    message:
      /error: 3 problems:\n {2}- Setting 'batch-size' \(--batch-size\): must be between 1 and 1000000, got -5[\s\S]*'lock-timeout'[\s\S]*'max-retries' \(--max-retries\): must be between 0 and 1000, got -1/,
    hint: /hint: Fix the settings above; nothing was run/,
  },
  {
    name: 'negative values (up, verify)',
    commands: ['up'],
    args: (ctx) => ['--database-url', url(ctx, 'post'), '--lock-timeout', '-1', '--lock-retries', '-3'],
    exit: 2,
    message: /Setting 'lock-timeout' \(--lock-timeout\): must be a duration like 2s[\s\S]*Setting 'lock-retries'/,
    hint: /hint: Fix the settings above/,
  },
  {
    name: 'zero values',
    commands: ['backfill'],
    args: (ctx) => ['--database-url', url(ctx, 'post'), '--batch-size', '0', '--target-batch-ms', '0', '--connect-timeout', '0'],
    exit: 2,
    message:
      /Setting 'connect-timeout' \(--connect-timeout\): must be between 100 ms and 600000 ms, got 0 ms[\s\S]*'batch-size'[\s\S]*'target-batch-ms'/,
    hint: /hint: Fix the settings above/,
  },
  {
    name: 'huge values',
    commands: ['backfill'],
    args: (ctx) => [
      '--database-url',
      url(ctx, 'post'),
      '--batch-size',
      '99999999999999999999',
      '--statement-timeout',
      '999999h',
      '--converge-passes',
      '1000000',
    ],
    exit: 2,
    message:
      /Setting 'batch-size' \(--batch-size\): must be a whole number[\s\S]*'statement-timeout'[\s\S]*'converge-passes' \(--converge-passes\): must be between 0 and 100/,
    hint: /hint: Fix the settings above/,
  },
  {
    name: 'huge and non-numeric values (verify)',
    commands: ['verify'],
    args: (ctx) => ['--database-url', url(ctx, 'post'), '--max-samples', '1e12', '--top-sessions', 'many'],
    exit: 2,
    message:
      /Setting 'max-samples' \(--max-samples\): must be a whole number, got "1e12"[\s\S]*Setting 'top-sessions' \(--top-sessions\): must be a whole number, got "many"/,
    hint: /hint: Fix the settings above/,
  },
  {
    name: 'non-numeric values',
    commands: ['backfill'],
    args: (ctx) => ['--database-url', url(ctx, 'post'), '--max-retries', 'abc', '--lock-timeout', 'soon', '--batch-size-min', '1.5'],
    exit: 2,
    message:
      /'batch-size-min' \(--batch-size-min\): must be a whole number, got "1\.5"[\s\S]*'lock-timeout' \(--lock-timeout\): must be a duration like 2s, 500ms or 2000 \(milliseconds\), got "soon"[\s\S]*'max-retries'/,
    hint: /hint: Fix the settings above/,
  },
  {
    name: 'contradictory values',
    commands: ['backfill'],
    json: true,
    args: (ctx) => ['--database-url', url(ctx, 'post'), '--batch-size-min', '5000', '--batch-size-max', '100'],
    exit: 2,
    message: /'batch-size-min' \(--batch-size-min\): must not exceed --batch-size-max \(100\), got 5000/,
    hint: /hint: Fix the settings above/,
  },
  {
    name: 'unknown option (a typo)',
    commands: ['up', 'backfill'],
    json: true,
    args: (ctx) => ['--database-url', url(ctx, 'post'), '--batch-sise', '5'],
    exit: 2,
    message: /error: Unknown arguments?: batch-sise/,
    hint: /hint: Run `aibridge-migrate --help` \(or `aibridge-migrate <command> --help`\) for the options/,
  },
  {
    name: "another command's option",
    commands: ['status'],
    args: (ctx) => ['--database-url', url(ctx, 'post'), '--batch-size', '5'],
    exit: 2,
    message: /error: Unknown arguments?: batch-size/,
    hint: /hint: Run `aibridge-migrate --help`/,
  },
  {
    name: 'malformed URL',
    commands: ['backfill'],
    args: () => ['--database-url', `postgres://app:${PASSWORD}@:5432/coder`],
    exit: 2,
    message:
      /error: Setting 'database-url' \(--database-url\): "postgres:\/\/app:\*\*\*@:5432\/coder" is not a URL; expected postgres:\/\/user:\*\*\*@host:5432\/database/,
    hint: /hint: Fix the settings above/,
  },
  {
    name: 'not a URL at all',
    commands: ['status', 'verify'],
    args: () => ['--database-url', `host=db user=app password=${PASSWORD}`],
    exit: 2,
    message: /error: Setting 'database-url' \(--database-url\): ".*" is not a URL/,
    hint: /hint: Fix the settings above/,
  },
  {
    name: 'wrong URL scheme',
    commands: ['down'],
    args: () => ['--database-url', `mysql://app:${PASSWORD}@db:3306/coder`],
    exit: 2,
    message: /error: Setting 'database-url' \(--database-url\): the URL scheme must be postgres:\/\/ or postgresql:\/\/, not mysql:\/\//,
    hint: /hint: Fix the settings above/,
  },
  {
    name: 'no URL at all',
    commands: ['status', 'backfill'],
    args: () => [],
    exit: 2,
    message: /error: no database URL: pass --database-url postgres:\/\/user:\*\*\*@host:5432\/db or set DATABASE_URL/,
    hint: /hint: The URL can also come from AIBRIDGE_MIGRATE_DATABASE_URL or a --config file/,
  },
];

function checkOutput(exit: CliExit, c: Case, label: string): void {
  const all = exit.stdout + exit.stderr;
  expect(exit.code, `${label}\n${exit.stderr}`).toBe(c.exit);
  expect(exit.stderr, label).toMatch(c.message);
  expect(exit.stderr, label).toMatch(c.hint);
  if (!c.warningOnly) expect(exit.stderr.match(/^error: /gm), `${label}: one error message\n${exit.stderr}`).toHaveLength(1);
  // No stack trace, and nothing presented as a bug.
  expect(exit.stderr, label).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(exit.stderr, label).not.toMatch(/run with --debug for the stack trace|unexpected error/);
  expect(all.includes(PASSWORD), `${label}: the password leaked:\n${all}`).toBe(false);
}

/**
 * Cases run concurrently, but two backfills on one database would meet the runner lock and
 * the second would (rightly) exit 7 instead of the code its case is about: backfills queue.
 */
let backfillQueue: Promise<unknown> = Promise.resolve();
function cli(args: string[]): Promise<CliExit> {
  if (args[0] !== 'backfill') return runCli(args);
  const exit = backfillQueue.then(() => runCli(args));
  backfillQueue = exit.catch(() => {});
  return exit;
}

async function inBatches<T>(items: T[], size: number, body: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(body));
}

describe('bad invocations: one clear message, the documented exit code, no stack trace, no password', () => {
  const suffix = randomBytes(3).toString('hex');
  const roles = { noUpdate: `fault_noupd_${suffix}`, readOnly: `fault_ro_${suffix}`, tinyTimeout: `fault_tiny_${suffix}` };
  const dbs: TestDatabase[] = [];
  let ctx: Context;
  let pwServer: EmbeddedServer | undefined;

  beforeAll(async () => {
    const [post, pre, empty] = [await createTestDatabase(), await createTestDatabase(), await createTestDatabase({ empty: true })];
    dbs.push(post, pre, empty);
    await applyToolkitMigrations(post.url);
    await generateDataset(post.pool, { rows: 3_000, seed: 5 });
    const admin = new pg.Client({ connectionString: post.adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${roles.noUpdate} LOGIN`);
      await admin.query(`CREATE ROLE ${roles.readOnly} LOGIN SUPERUSER`);
      await admin.query(`ALTER ROLE ${roles.readOnly} SET default_transaction_read_only = on`);
      await admin.query(`CREATE ROLE ${roles.tinyTimeout} LOGIN SUPERUSER`);
      await admin.query(`ALTER ROLE ${roles.tinyTimeout} SET statement_timeout = '1ms'`);
    } finally {
      await admin.end();
    }
    for (const db of [post, pre]) {
      await db.query(`GRANT USAGE ON SCHEMA public TO ${roles.noUpdate}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${roles.noUpdate}`);
    }
    await post.query(
      `GRANT USAGE ON SCHEMA aibridge_migrate TO ${roles.noUpdate}; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA aibridge_migrate TO ${roles.noUpdate}`,
    );

    let wrongPassword: string | null = null;
    if (!process.env.TEST_DATABASE_URL && inject('pgKind') === 'embedded') {
      pwServer = await startEmbeddedServer({ fast: true });
      await addPasswordRole(pwServer, 'pw_user', 'the-right-one');
      wrongPassword = `postgres://pw_user:${PASSWORD}@127.0.0.1:${pwServer.port}/postgres`;
    }

    const withPassword = (u: string, role = 'postgres') => {
      const parsed = new URL(u);
      parsed.username = role;
      parsed.password = PASSWORD;
      return parsed.toString();
    };
    ctx = {
      post: withPassword(post.url),
      pre: withPassword(pre.url),
      empty: withPassword(empty.url),
      as: (role, db) => withPassword(db === 'post' ? post.url : pre.url, role),
      roles,
      wrongPassword,
    };
  });

  afterAll(async () => {
    await pwServer?.stop();
    for (const db of dbs) await db.drop();
    const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await admin.connect();
    try {
      for (const role of Object.values(roles)) await admin.query(`DROP ROLE IF EXISTS ${role}`);
    } finally {
      await admin.end();
    }
  });

  // Concurrent: each case is a few CLI processes waiting on the server, not on each other.
  it.concurrent.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const skip = c.skip?.(ctx);
    if (skip) {
      console.log(`[faults] skipped "${c.name}": ${skip}`);
      return;
    }
    await inBatches([...c.commands], 2, async (command) => {
      checkOutput(await cli([command, ...c.args(ctx, command)]), c, `${command} (${c.name})`);
    });
    if (!c.json) return;
    // The same failure in --json mode: one error document on stdout with the same exit code.
    const command = c.commands[0]!;
    const json = await cli([command, ...c.args(ctx, command), '--json']);
    expect(json.code).toBe(c.exit);
    expect(json.stdout.includes(PASSWORD) || json.stderr.includes(PASSWORD), `${command} --json leaked the password`).toBe(false);
    if (!c.warningOnly) {
      const doc = json.events.find((e) => e.status === 'error');
      expect(doc, json.stdout).toMatchObject({ status: 'error', error: { exit_code: c.exit } });
      // The fix is in the hint, or (preflight) in the message after "Fix:".
      expect(doc!.error.hint ?? doc!.error.message).toMatch(/\S/);
      expect(Boolean(doc!.error.hint) || /Fix: /.test(doc!.error.message)).toBe(true);
    }
  });

  it('--debug adds the stack trace, still without the password', async () => {
    const exit = await cli(['backfill', '--database-url', UNREACHABLE, '--debug']);
    expect(exit.code).toBe(3);
    expect(exit.stderr).toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(exit.stderr).toMatch(/caused by: Error: connect ECONNREFUSED/);
    expect(exit.stdout + exit.stderr).not.toContain(PASSWORD);
  });

  it('a password in ?password= or with a raw @ never reaches the resume command', async () => {
    const base = new URL(ctx.post);
    base.username = 'postgres';
    base.password = '';
    base.searchParams.set('password', PASSWORD);
    const raw = ctx.post.replace(`:${PASSWORD}@`, `:${PASSWORD}@x@`);
    for (const databaseUrl of [base.toString(), raw]) {
      const exit = await cli([
        'backfill',
        '--database-url',
        databaseUrl,
        '--statement-timeout',
        '1ms',
        '--max-retries',
        '0',
        '--batch-size',
        '5000',
        '--json',
      ]);
      expect([8, 3]).toContain(exit.code);
      expect(exit.stdout + exit.stderr, 'the password leaked').not.toContain(PASSWORD);
    }
  });
});
