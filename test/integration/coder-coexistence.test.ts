/**
 * The toolkit in a database Coder migrates too, played end to end against an emulator of
 * Coder's runner (test/harness/coder.ts): each story runs the real CLI (real exit codes) or the
 * API, then a Coder upgrade, and asserts Coder's version row, the columns and the values.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { LockTimeoutError } from '../../src/errors.js';
import { compileRuleSql } from '../../src/rule/index.js';
import { migrateUp, migrationStatus, type UpResult } from '../../src/migrate/index.js';
import { statusJson, statusText } from '../../src/migrate/render.js';
import { deferred } from '../harness/deferred.js';
import { runCliProcess, type CliExit } from '../harness/cli-process.js';
import { coderVersion, installCoderAt, runCoderMigrations } from '../harness/coder.js';
import type { TestDatabase } from '../harness/database.js';
import { LEDGER_MIGRATIONS, SHIPPED_MIGRATIONS } from '../harness/toolkit-schema.js';
import { columnsOf, freshDatabase, testDeps } from '../harness/migrate.js';

const COLUMNS = '20261128000000000_cache-token-columns';
const CACHE_COLUMNS = ['cache_read_input_tokens', 'cache_write_input_tokens'];

const databases: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
});

/** A database Coder has migrated to `version`, holding `rows` generated token usages. */
async function coderDatabase(version: number, options: { rows?: number; dirty?: boolean } = {}): Promise<TestDatabase> {
  const db = await freshDatabase();
  databases.push(db);
  await installCoderAt(db.url, version, options.dirty ?? false);
  if (options.rows) await generateDataset(db.pool, { rows: options.rows, seed: version });
  return db;
}

function cli(db: TestDatabase, ...args: string[]): Promise<CliExit> {
  return runCliProcess(args, { env: { DATABASE_URL: db.url } });
}

function expectExit(run: CliExit, code: number): void {
  expect(run.code, `exit ${run.code}\nstderr:\n${run.stderr}\nstdout:\n${run.stdout}`).toBe(code);
}

/** `down` once per ledger migration (the toolkit's own), each reverting the next one; then the columns come next. */
async function downLedger(db: TestDatabase): Promise<void> {
  for (const name of LEDGER_MIGRATIONS) {
    const down = await cli(db, 'down');
    expectExit(down, 0);
    expect(down.stdout).toContain(`reverted ${name}`);
  }
}

async function toolkitApplied(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.query(`SELECT to_regclass('public.aibridge_migrate_migrations') IS NOT NULL AS ok`);
  if (!rows[0].ok) return [];
  return (await db.query('SELECT name FROM public.aibridge_migrate_migrations ORDER BY id')).rows.map((r) => r.name);
}

async function handOverRecord(db: TestDatabase): Promise<string | null> {
  const { rows } = await db.query(
    `SELECT col_description(a.attrelid, a.attnum) AS c FROM pg_attribute a
      WHERE a.attrelid = 'public.aibridge_token_usages'::regclass AND a.attname = 'cache_read_input_tokens' AND NOT a.attisdropped`,
  );
  return rows[0]?.c ?? null;
}

async function coderIndexExists(db: TestDatabase): Promise<boolean> {
  return (await db.query(`SELECT to_regclass('public.idx_aibridge_token_usages_cache_read') IS NOT NULL AS ok`)).rows[0].ok;
}

/** Every row's id, metadata and both columns, as one digest: "no row changed" is this staying equal. */
async function rowsDigest(db: TestDatabase): Promise<string> {
  const { rows } = await db.query(
    `SELECT md5(string_agg(id::text || '|' || coalesce(metadata::text, 'null') || '|' || cache_read_input_tokens || '|' || cache_write_input_tokens, ',' ORDER BY id)) AS d
       FROM aibridge_token_usages`,
  );
  return rows[0].d;
}

/** Rows whose columns differ from what the toolkit's rule reads from their metadata. */
async function rowsOffRule(db: TestDatabase): Promise<number> {
  const rule = compileRuleSql('"t"."metadata"');
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM aibridge_token_usages AS t
      WHERE t.cache_read_input_tokens <> ${rule.cacheRead} OR t.cache_write_input_tokens <> ${rule.cacheWrite}`,
  );
  return rows[0].n;
}

async function columnNames(db: TestDatabase): Promise<string[]> {
  return (await columnsOf(db.url)).map((c) => c.column_name);
}

describe('Coder at 460 (the release just before the change): the hand-over', () => {
  it('up adds the columns and records 461 in one transaction; backfill, verify; the Coder upgrade then applies only 462 and starts', async () => {
    const db = await coderDatabase(460, { rows: 900 });

    const status = await cli(db, 'status', '--json');
    expectExit(status, 0);
    expect(JSON.parse(status.stdout).coder).toMatchObject({ detected: true, version: 460, dirty: false, handed_over_by_toolkit: false });
    expect(JSON.parse(status.stdout).coder.summary).toContain("up adds the columns and records Coder's migration 461 as applied");

    const up = await cli(db, 'up', '--json');
    expectExit(up, 0);
    const doc = JSON.parse(up.stdout);
    expect(doc.applied.map((m: { name: string }) => m.name)).toEqual(SHIPPED_MIGRATIONS);
    expect(doc.coder).toMatchObject({ action: 'hand_over', version_before: 460, version: 461, dirty: false, handed_over_by_toolkit: true });
    expect(doc.coder.message).toBe(
      "Coder's migration 461 is now recorded as applied in public.schema_migrations (it was at 460): the next Coder upgrade will skip 461 and apply only the migrations after it.",
    );
    expect(doc.preflight).toContainEqual(expect.objectContaining({ check: 'coder_version', ok: true }));
    expect(await coderVersion(db.url)).toEqual([{ version: 461, dirty: false }]);
    expect(await columnNames(db)).toEqual(CACHE_COLUMNS);
    expect(await handOverRecord(db)).toMatch(/^aibridge-migrate handed over Coder migration 461\b/);

    expectExit(await cli(db, 'backfill', '--json'), 0);
    expectExit(await cli(db, 'verify'), 0);
    expect(await rowsOffRule(db)).toBe(0);
    const backfilled = await rowsDigest(db);

    const upgrade = await runCoderMigrations(db.url);
    expect(upgrade).toEqual({ status: 'ok', applied: [462], version: 462 });
    expect(await coderVersion(db.url)).toEqual([{ version: 462, dirty: false }]);
    expect(await coderIndexExists(db)).toBe(true);
    expect(await rowsDigest(db)).toBe(backfilled);

    // Rows the old release wrote in between would be caught by a second backfill; none here.
    expectExit(await cli(db, 'backfill'), 0);
    expect(await rowsDigest(db)).toBe(backfilled);

    const after = await cli(db, 'status');
    expectExit(after, 0);
    expect(after.stdout).toContain(
      "coder: Coder at migration 462 (clean): past its migration 461, the columns are Coder's; down of the columns is refused",
    );
  });
});

describe('Coder too early or dirty: up refuses and changes nothing', () => {
  it('Coder at 455: exit 5 naming 460 and the 42701 the next upgrade would hit; nothing created; after upgrading Coder to 460, up hands over', async () => {
    const db = await coderDatabase(455, { rows: 200 });
    const before = await rowsDigest(db).catch(() => null);

    const up = await cli(db, 'up');
    expectExit(up, 5);
    expect(up.stderr).toContain('Coder is at migration 455, older than 460');
    expect(up.stderr).toContain('SQLSTATE 42701');
    expect(up.stderr).toContain('Upgrade Coder to the release whose newest migration is 460');
    expect(up.stderr).not.toMatch(/^\s+at /m);

    const dry = await cli(db, 'up', '--dry-run', '--json');
    expectExit(dry, 5);
    const plan = JSON.parse(dry.stdout);
    expect(plan.status).toBe('failed');
    expect(plan.error).toMatchObject({ code: 'PREFLIGHT', exit_code: 5 });
    expect(plan.preflight).toContainEqual(expect.objectContaining({ check: 'coder_version', ok: false }));
    expect(plan.coder).toMatchObject({ detected: true, version: 455 });

    expect(await coderVersion(db.url)).toEqual([{ version: 455, dirty: false }]);
    expect(await columnNames(db)).toEqual([]);
    expect(await toolkitApplied(db)).toEqual([]);
    expect((await db.query(`SELECT to_regclass('public.aibridge_migrate_migrations') IS NULL AS absent`)).rows[0].absent).toBe(true);
    expect((await db.query(`SELECT to_regnamespace('aibridge_migrate') IS NULL AS absent`)).rows[0].absent).toBe(true);
    expect(before).toBeNull(); // the columns did not exist to digest; they still do not

    expect(await runCoderMigrations(db.url, { target: 460 })).toEqual({ status: 'ok', applied: [456, 457, 458, 459, 460], version: 460 });
    const result = (await migrateUp({ databaseUrl: db.url }, testDeps().deps)) as UpResult;
    expect(result.coder.outcome).toMatchObject({ action: 'hand_over', from: 460, to: 461 });
    expect(await coderVersion(db.url)).toEqual([{ version: 461, dirty: false }]);
  });

  it('Coder dirty at 460: exit 5 naming the version and that Coder is repaired first; nothing changed', async () => {
    const db = await coderDatabase(460, { dirty: true });
    // The emulator itself refuses a dirty row, as Coder does.
    expect(await runCoderMigrations(db.url)).toEqual({ status: 'dirty', version: 460 });

    const up = await cli(db, 'up', '--json');
    expectExit(up, 5);
    const error = JSON.parse(up.stdout).error;
    expect(error.code).toBe('PREFLIGHT');
    expect(error.message).toContain("Coder's migration 460 is marked dirty in public.schema_migrations");
    expect(error.message).toContain("Coder's own repair comes first");
    expect(await coderVersion(db.url)).toEqual([{ version: 460, dirty: true }]);
    expect(await columnNames(db)).toEqual([]);
    expect(await toolkitApplied(db)).toEqual([]);
  });

  it('a fork that renumbered the migration: --coder-migration 470 makes 469 the release before, so 460 is too early', async () => {
    const db = await coderDatabase(460);
    const up = await cli(db, 'up', '--coder-migration', '470');
    expectExit(up, 5);
    expect(up.stderr).toContain('Coder is at migration 460, older than 469');
    const viaEnv = await runCliProcess(['status', '--json'], { env: { DATABASE_URL: db.url, AIBRIDGE_MIGRATE_CODER_MIGRATION: '470' } });
    expectExit(viaEnv, 0);
    expect(JSON.parse(viaEnv.stdout).coder).toMatchObject({ coder_migration: 470, migration_before: 469 });
    expect(await coderVersion(db.url)).toEqual([{ version: 460, dirty: false }]);
  });
});

describe('rescue: a Coder upgrade that aborted on 461', () => {
  it('5376.0 aborts the upgrade (Coder stays 460, clean); up, backfill, verify pass; the upgrade then skips 461 and starts', async () => {
    const db = await coderDatabase(460, { rows: 600 });
    await db.query(`UPDATE aibridge_token_usages SET metadata = '{"cache_read_input": 5376.0, "cache_creation_input": 4}'
                     WHERE id = (SELECT id FROM aibridge_token_usages WHERE metadata ? 'cache_read_input' ORDER BY id LIMIT 1)`);

    const aborted = await runCoderMigrations(db.url);
    expect(aborted).toMatchObject({ status: 'failed', failedAt: 461, sqlstate: '22P02' });
    expect(await coderVersion(db.url)).toEqual([{ version: 460, dirty: false }]);
    expect(await columnNames(db)).toEqual([]);

    const up = await cli(db, 'up');
    expectExit(up, 0);
    expect(up.stdout).toContain("coder: Coder's migration 461 is now recorded as applied in public.schema_migrations (it was at 460)");
    expectExit(await cli(db, 'backfill'), 0);
    const verify = await cli(db, 'verify', '--json');
    expectExit(verify, 0);
    expect(JSON.parse(verify.stdout).outcome.status).toBe('pass');
    // An integral decimal is its integer to the rule (upstream's ::bigint cast raised on it).
    const { rows } = await db.query(
      `SELECT cache_read_input_tokens::int AS r, cache_write_input_tokens::int AS w FROM aibridge_token_usages WHERE metadata->>'cache_read_input' = '5376.0'`,
    );
    expect(rows).toEqual([{ r: 5376, w: 4 }]);
    const filled = await rowsDigest(db);

    expect(await runCoderMigrations(db.url)).toEqual({ status: 'ok', applied: [462], version: 462 });
    expect(await coderVersion(db.url)).toEqual([{ version: 462, dirty: false }]);
    expect(await rowsDigest(db)).toBe(filled);
  });
});

describe("Coder's own 461: the columns are Coder's", () => {
  it('up checks them and records nothing; backfill and verify find nothing to change; down is refused; Coder 462 then starts', async () => {
    const db = await coderDatabase(460, { rows: 900 });
    expect(await runCoderMigrations(db.url, { target: 461 })).toEqual({ status: 'ok', applied: [461], version: 461 });
    const upstream = await rowsDigest(db);

    const up = await cli(db, 'up', '--json');
    expectExit(up, 0);
    const doc = JSON.parse(up.stdout);
    expect(doc.applied.map((m: { name: string }) => m.name)).toEqual(SHIPPED_MIGRATIONS);
    expect(doc.coder).toMatchObject({ action: 'coder_owns', version_before: 461, version: 461, handed_over_by_toolkit: false });
    expect(await coderVersion(db.url)).toEqual([{ version: 461, dirty: false }]);
    expect(await handOverRecord(db)).toBeNull();

    expectExit(await cli(db, 'backfill'), 0);
    expectExit(await cli(db, 'verify'), 0);
    expect(await rowsDigest(db)).toBe(upstream);
    expect(await coderVersion(db.url)).toEqual([{ version: 461, dirty: false }]);

    await downLedger(db); // the ledger is the toolkit's own
    const refused = await cli(db, 'down', '--force-drop-data');
    expectExit(refused, 6);
    expect(refused.stderr).toContain('down refused: Coder applied its migration 461 itself');
    expect(refused.stderr).toContain('--force-drop-data does not override this');
    expect(await columnNames(db)).toEqual(CACHE_COLUMNS);
    expect(await toolkitApplied(db)).toEqual([COLUMNS]);

    expect(await runCoderMigrations(db.url)).toEqual({ status: 'ok', applied: [462], version: 462 });
    expect(await rowsDigest(db)).toBe(upstream);
  });
});

describe('down after a hand-over gives the version back', () => {
  it('backfill --reverse, down twice: Coder back at 460 clean, columns gone; the Coder upgrade applies 461 itself and keeps every count', async () => {
    const db = await coderDatabase(460, { rows: 600 });
    expectExit(await cli(db, 'up'), 0);
    expectExit(await cli(db, 'backfill'), 0);
    // The new application release writes the columns directly, with no metadata keys.
    await db.query(
      `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at, cache_read_input_tokens, cache_write_input_tokens)
       VALUES (gen_random_uuid(), gen_random_uuid(), 'new-release', 100, 5, '{}', now(), 77, 6)`,
    );
    expectExit(await cli(db, 'backfill', '--reverse'), 0);
    await downLedger(db);
    expect(await coderVersion(db.url)).toEqual([{ version: 461, dirty: false }]);
    const down = await cli(db, 'down', '--json');
    expectExit(down, 0);
    const doc = JSON.parse(down.stdout);
    expect(doc.reverted.name).toBe(COLUMNS);
    expect(doc.coder).toMatchObject({ action: 'hand_back', version_before: 461, version: 460, columns_present: false });
    expect(doc.coder.message).toContain(
      "Coder's version in public.schema_migrations is back at 460 (it was 461): the next Coder upgrade applies its migration 461 itself.",
    );
    expect(await coderVersion(db.url)).toEqual([{ version: 460, dirty: false }]);
    expect(await columnNames(db)).toEqual([]);
    expect(await toolkitApplied(db)).toEqual([]);

    expect(await runCoderMigrations(db.url)).toEqual({ status: 'ok', applied: [461, 462], version: 462 });
    expect(await coderVersion(db.url)).toEqual([{ version: 462, dirty: false }]);
    // Coder's own UPDATE read back what backfill --reverse put into metadata.
    const { rows } = await db.query(
      `SELECT cache_read_input_tokens::int AS r, cache_write_input_tokens::int AS w FROM aibridge_token_usages WHERE provider_response_id = 'new-release'`,
    );
    expect(rows).toEqual([{ r: 77, w: 6 }]);
    expect(await rowsOffRule(db)).toBe(0);
  });

  it('down is refused once Coder is at 462, with or without --force-drop-data; Coder, columns and index untouched', async () => {
    const db = await coderDatabase(460, { rows: 200 });
    await migrateUp({ databaseUrl: db.url }, testDeps().deps);
    expect(await runCoderMigrations(db.url)).toEqual({ status: 'ok', applied: [462], version: 462 });
    await downLedger(db);
    for (const args of [['down'], ['down', '--force-drop-data']]) {
      const refused = await cli(db, ...args);
      expectExit(refused, 6);
      expect(refused.stderr).toContain('down refused: Coder is at migration 462, past its migration 461');
      expect(refused.stderr).toContain('--force-drop-data does not override this');
    }
    expect(await coderVersion(db.url)).toEqual([{ version: 462, dirty: false }]);
    expect(await columnNames(db)).toEqual(CACHE_COLUMNS);
    expect(await coderIndexExists(db)).toBe(true);
    expect(await toolkitApplied(db)).toEqual([COLUMNS]);
  });
});

describe("a Coder replica holds Coder's migration lock while up runs", () => {
  it("up waits for it, then decides from what Coder committed (462: the columns are Coder's); never interleaved", async () => {
    const db = await coderDatabase(460, { rows: 300 });
    const held = deferred();
    const coderPid = deferred<number>();
    // The new Coder release starting: 461 and 462 applied, not yet committed.
    const replica = runCoderMigrations(db.url, {
      onLocked: (pid) => coderPid.resolve(pid),
      beforeCommit: () => held.promise,
      applicationName: 'coderd replica',
    });
    const pid = await coderPid.promise;
    // status does not queue behind Coder's transaction (its TRUNCATE holds schema_migrations): it says what is happening.
    const during = statusJson(await migrationStatus({ databaseUrl: db.url, lockTimeout: '5s' })).coder;
    expect(during).toMatchObject({ detected: true, version: null });
    expect(during.summary).toContain(`a Coder server is applying its migrations right now (pid ${pid}, application_name 'coderd replica'`);

    const waits: string[] = [];
    const { deps } = testDeps();
    const log = {
      ...deps.log,
      warn: (message: string) => {
        waits.push(message);
        if (waits.length === 2) held.resolve();
      },
    };
    const result = (await migrateUp(
      { databaseUrl: db.url, lockTimeout: '300ms', lockRetries: 20, lockRetryDelay: '100ms' },
      { ...deps, log },
    )) as UpResult;
    expect(await replica).toEqual({ status: 'ok', applied: [461, 462], version: 462 });

    expect(result.preflight).toContainEqual(
      expect.objectContaining({ check: 'coder_version', ok: true, detail: expect.stringContaining("up waits for Coder's migration lock") }),
    );
    expect(result.lockWaits[0]).toMatchObject({ kind: 'coder_lock' });
    expect(result.lockWaits[0]!.blockers).toContainEqual(
      expect.objectContaining({ pid, applicationName: 'coderd replica', granted: true }),
    );
    expect(waits[0]).toContain("a Coder server holds Coder's migration lock");
    expect(waits[0]).toContain(`pid ${pid}, application_name 'coderd replica'`);
    expect(result.applied.map((m) => m.name)).toEqual(SHIPPED_MIGRATIONS);
    expect(result.coder.outcome).toEqual({ action: 'coder_owns', table: 'public.schema_migrations', version: 462 });
    expect(await coderVersion(db.url)).toEqual([{ version: 462, dirty: false }]);
    expect(await columnNames(db)).toEqual(CACHE_COLUMNS);
    expect(await handOverRecord(db)).toBeNull();
    expect(await rowsOffRule(db)).toBe(0); // Coder's own UPDATE filled them
  });

  it('exit 4 naming the Coder session when the budget is spent; nothing applied; up after it hands over', async () => {
    const db = await coderDatabase(460);
    // An old-release replica starting: nothing pending, but it holds the lock while it checks.
    const replica = new pg.Client({ connectionString: db.url, application_name: 'coderd old replica' });
    await replica.connect();
    try {
      await replica.query('BEGIN');
      await replica.query('SELECT pg_advisory_xact_lock($1::bigint)', ['1037453835920848937']);
      const pid = (await replica.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;

      const up = await cli(db, 'up', '--lock-timeout', '200ms', '--lock-retries', '1', '--lock-retry-delay', '50ms');
      expectExit(up, 4);
      expect(up.stderr).toContain(
        "Coder's migration lock (advisory key 1037453835920848937) was not granted in 2 attempt(s) of lock_timeout 200 ms",
      );
      expect(up.stderr).toContain(`pid ${pid} (coderd old replica, idle in transaction)`);
      expect(up.stderr).toContain('Nothing was applied.');
      expect(await coderVersion(db.url)).toEqual([{ version: 460, dirty: false }]);
      expect(await columnNames(db)).toEqual([]);
      expect(await toolkitApplied(db)).toEqual([]);
    } finally {
      await replica.query('COMMIT');
      await replica.end();
    }
    const again = (await migrateUp({ databaseUrl: db.url }, testDeps().deps)) as UpResult;
    expect(again.coder.outcome).toMatchObject({ action: 'hand_over' });
    expect(await coderVersion(db.url)).toEqual([{ version: 461, dirty: false }]);
  });
});

describe("a reader of Coder's schema_migrations in an open transaction", () => {
  it('the hand-over waits for it in lock_timeout slices, names it, and rolls back whole when the budget is spent', async () => {
    const db = await coderDatabase(460);
    const reader = new pg.Client({ connectionString: db.url, application_name: 'coderd health check' });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT version FROM schema_migrations');
      const pid = (await reader.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const error = await migrateUp(
        { databaseUrl: db.url, lockTimeout: '200ms', lockRetries: 1, lockRetryDelay: '50ms' },
        testDeps().deps,
      ).then(
        () => undefined,
        (e: unknown) => e as LockTimeoutError,
      );
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect(error!.message).toContain(`pid ${pid} (coderd health check, idle in transaction)`);
      expect(error!.message).toContain('Nothing was applied.');
      // The ALTER had succeeded in each attempt; the whole transaction rolled back with the TRUNCATE's wait.
      expect(await columnNames(db)).toEqual([]);
      expect(await coderVersion(db.url)).toEqual([{ version: 460, dirty: false }]);
    } finally {
      await reader.query('COMMIT');
      await reader.end();
    }
  });
});

describe('standalone: no Coder table', () => {
  it("up, status and the dry run behave as before, saying Coder was not detected; another tool's schema_migrations is not Coder's", async () => {
    const db = await freshDatabase();
    databases.push(db);
    const dry = await migrateUp({ databaseUrl: db.url, dryRun: true }, testDeps().deps);
    if (!dry.dryRun) throw new Error('expected a dry run');
    expect(dry.preflight.map((c) => c.check)).not.toContain('coder_version');
    expect(dry.pending[0]!.statements.map((s) => s.sql)).toEqual([
      'ALTER TABLE "public"."aibridge_token_usages" ADD COLUMN IF NOT EXISTS "cache_read_input_tokens" bigint NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS "cache_write_input_tokens" bigint NOT NULL DEFAULT 0',
      'INSERT INTO "public"."aibridge_migrate_migrations" (name, run_on) VALUES ($1, NOW())',
    ]);
    // Another tool's table with the same name but not Coder's shape.
    await db.query('CREATE TABLE schema_migrations (version text PRIMARY KEY)');
    const up = (await migrateUp({ databaseUrl: db.url }, testDeps().deps)) as UpResult;
    expect(up.applied.map((m) => m.name)).toEqual(SHIPPED_MIGRATIONS);
    expect(up.coder.outcome).toMatchObject({ action: 'standalone' });
    expect(up.preflight.map((c) => c.check)).not.toContain('coder_version');
    expect(await handOverRecord(db)).toBeNull();
    const status = await migrationStatus({ databaseUrl: db.url });
    expect(statusJson(status).coder).toMatchObject({ detected: false, action: null });
    expect(statusText(status)).toContain(
      "coder: public.schema_migrations exists but is not Coder's (its columns: version text not null): standalone mode",
    );
  });
});

describe('the dry run shows the hand-over SQL and takes no lock', () => {
  it("prints Coder's lock, the version rows and the record, and leaves everything as it was", async () => {
    const db = await coderDatabase(460);
    const dry = await cli(db, 'up', '--dry-run');
    expectExit(dry, 0);
    expect(dry.stdout).toContain(
      "-- coder: Coder at migration 460 (clean): up adds the columns and records Coder's migration 461 as applied in public.schema_migrations in the same transaction",
    );
    expect(dry.stdout).toContain('SELECT pg_advisory_xact_lock($1::bigint); -- $1 = "1037453835920848937"');
    expect(dry.stdout).toContain('TRUNCATE "public"."schema_migrations";');
    expect(dry.stdout).toContain('INSERT INTO "public"."schema_migrations" (version, dirty) VALUES ($1, false); -- $1 = 461');
    expect(dry.stdout).toMatch(
      /COMMENT ON COLUMN "public"."aibridge_token_usages"."cache_read_input_tokens" IS 'aibridge-migrate handed over Coder migration 461/,
    );
    expect(await coderVersion(db.url)).toEqual([{ version: 460, dirty: false }]);
    expect(await columnNames(db)).toEqual([]);
    expect(await toolkitApplied(db)).toEqual([]);
  });
});
