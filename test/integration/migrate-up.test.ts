import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { PermissionError, PreflightError } from '../../src/errors.js';
import { migrateUp, migrationStatus, type UpResult } from '../../src/migrate/index.js';
import type { TestDatabase } from '../harness/database.js';
import { columnsOf, freshDatabase, testDeps } from '../harness/migrate.js';
import { SHIPPED_MIGRATIONS } from '../harness/toolkit-schema.js';

const ALL = SHIPPED_MIGRATIONS;
const EXPECTED_COLUMNS = [
  { column_name: 'cache_read_input_tokens', data_type: 'bigint', is_nullable: 'NO', column_default: '0' },
  { column_name: 'cache_write_input_tokens', data_type: 'bigint', is_nullable: 'NO', column_default: '0' },
];

async function bookkeepingRows(db: TestDatabase): Promise<string[]> {
  const exists = await db.query(`SELECT to_regclass('public.aibridge_migrate_migrations') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) return [];
  const { rows } = await db.query('SELECT name FROM public.aibridge_migrate_migrations ORDER BY id');
  return rows.map((r) => r.name);
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('up on a table with data', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
    await generateDataset(db.pool, { rows: 5000, seed: 11 });
  });
  afterAll(() => db.drop());

  it('adds both columns without rewriting the table, records both migrations, and a second up has nothing to do', async () => {
    const relfilenode = async () =>
      (await db.query(`SELECT relfilenode FROM pg_class WHERE oid = 'public.aibridge_token_usages'::regclass`)).rows[0].relfilenode;
    const before = await relfilenode();
    const { deps } = testDeps();
    const first = (await migrateUp({ databaseUrl: db.url }, deps)) as UpResult;
    expect(first.applied.map((m) => m.name)).toEqual(ALL);
    expect(first.attempts).toBe(1);
    expect(first.preflight.every((c) => c.ok)).toBe(true);
    expect(await columnsOf(db.url)).toEqual(EXPECTED_COLUMNS);
    // A rewrite (e.g. a volatile default) would give the table a new file.
    expect(await relfilenode()).toBe(before);
    const rows = await db.query(
      'SELECT count(*)::int AS n, sum(cache_read_input_tokens + cache_write_input_tokens)::int AS s FROM aibridge_token_usages',
    );
    expect(rows.rows[0]).toEqual({ n: 5000, s: 0 });
    expect(await bookkeepingRows(db)).toEqual(ALL);

    const second = (await migrateUp({ databaseUrl: db.url }, deps)) as UpResult;
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(ALL);
    expect(await bookkeepingRows(db)).toEqual(ALL);

    const status = await migrationStatus({ databaseUrl: db.url });
    expect(status.applied.map((m) => m.name)).toEqual(ALL);
    expect(status.pending).toEqual([]);
    expect(status.backfill).toEqual({ ledger: 'aibridge_migrate.backfill_runs', latestRuns: [] });
  });
});

describe('up against columns the application already added', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  it('accepts identical columns and keeps their values', async () => {
    await db.query(`ALTER TABLE aibridge_token_usages ADD COLUMN cache_read_input_tokens bigint NOT NULL DEFAULT 0,
                                                  ADD COLUMN cache_write_input_tokens BIGINT NOT NULL DEFAULT '0'`);
    await db.query(`INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at, cache_read_input_tokens)
                    VALUES (gen_random_uuid(), gen_random_uuid(), 'r', 1, 1, '{}', now(), 42)`);
    const result = (await migrateUp({ databaseUrl: db.url }, testDeps().deps)) as UpResult;
    expect(result.applied.map((m) => m.name)).toEqual(ALL);
    // Left as the application made them: `DEFAULT '0'` reads back as '0'::bigint, equally 0.
    expect(await columnsOf(db.url)).toEqual([EXPECTED_COLUMNS[0], { ...EXPECTED_COLUMNS[1], column_default: "'0'::bigint" }]);
    expect((await db.query('SELECT cache_read_input_tokens::int AS v FROM aibridge_token_usages')).rows).toEqual([{ v: 42 }]);
  });
});

describe('up against a column with a different definition', () => {
  it.each([
    ['type', 'integer NOT NULL DEFAULT 0', /type is integer, expected bigint/],
    ['nullability', 'bigint DEFAULT 0', /allows NULL/],
    ['default', 'bigint NOT NULL DEFAULT 1', /default is 1, expected 0/],
    ['missing default', 'bigint', /default is none/],
  ])('refuses a column whose %s differs, with nothing applied', async (_what, definition, message) => {
    const db = await freshDatabase();
    try {
      await db.query(`ALTER TABLE aibridge_token_usages ADD COLUMN cache_write_input_tokens ${definition}`);
      const error = await failureOf(migrateUp({ databaseUrl: db.url }, testDeps().deps));
      expect(error).toBeInstanceOf(PreflightError);
      expect(error.message).toMatch(/cache_write_input_tokens already exists/);
      expect(error.message).toMatch(message);
      expect((error as PreflightError).exitCode).toBe(5);
      // The other column was not added either, and nothing is recorded.
      expect((await columnsOf(db.url)).map((c) => c.column_name)).toEqual(['cache_write_input_tokens']);
      expect(await bookkeepingRows(db)).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});

describe('preflight', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  it('names a schema that does not exist and the fix, exit 5, nothing created', async () => {
    const error = await failureOf(migrateUp({ databaseUrl: db.url, schema: 'coder_app' }, testDeps().deps));
    expect(error).toBeInstanceOf(PreflightError);
    expect(error.message).toContain('Schema "coder_app" does not exist');
    expect(error.message).toContain('Fix: Pass --schema');
    expect(await bookkeepingRows(db)).toEqual([]);
  });

  it("refuses a table whose key columns are not Coder's", async () => {
    await db.query('CREATE SCHEMA odd; CREATE TABLE odd.aibridge_token_usages (id bigint PRIMARY KEY, metadata text)');
    const error = await failureOf(migrateUp({ databaseUrl: db.url, schema: 'odd' }, testDeps().deps));
    expect(error).toBeInstanceOf(PreflightError);
    expect(error.message).toContain('id should be uuid but is bigint; metadata should be jsonb but is text');
  });

  it('refuses a role that does not own the table (exit 3) and names the owner', async () => {
    const role = `aibm_reader_${db.name.slice(-10)}`;
    await db.query(`CREATE ROLE ${role} LOGIN`);
    await db.query(
      `GRANT CREATE ON DATABASE ${db.name} TO ${role}; GRANT ALL ON SCHEMA public TO ${role}; GRANT SELECT, INSERT, UPDATE ON aibridge_token_usages TO ${role}`,
    );
    try {
      const url = new URL(db.url);
      url.username = role;
      const error = await failureOf(migrateUp({ databaseUrl: url.toString() }, testDeps().deps));
      expect(error).toBeInstanceOf(PermissionError);
      expect((error as PermissionError).exitCode).toBe(3);
      expect(error.message).toContain(`Role ${role} does not own public.aibridge_token_usages (its owner is postgres)`);
      expect(error.message).toContain(`GRANT postgres TO ${role}`);
      expect(await columnsOf(db.url)).toEqual([]);
      expect(await bookkeepingRows(db)).toEqual([]);
    } finally {
      await db.query(
        `REVOKE ALL ON aibridge_token_usages FROM ${role}; REVOKE ALL ON SCHEMA public FROM ${role}; REVOKE ALL ON DATABASE ${db.name} FROM ${role}`,
      );
      await db.query(`DROP ROLE ${role}`);
    }
  });
});

describe('up --dry-run', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  /** Every relation, column and schema of the database, and every lock anyone holds in it. */
  async function catalogDigest(): Promise<string> {
    const { rows } = await db.query(`
      SELECT md5(
        (SELECT string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || c.relfilenode::text, ',' ORDER BY n.nspname, c.relname)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace) || '|' ||
        (SELECT string_agg(attrelid::regclass::text || '.' || attname || ':' || atttypid::text || ':' || attnotnull::text || ':' || attisdropped::text, ',' ORDER BY attrelid, attnum)
           FROM pg_attribute WHERE attnum > 0) || '|' ||
        (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace)) AS digest`);
    return rows[0].digest;
  }

  it('prints the preflight and the SQL, and changes nothing: same catalog, no bookkeeping table, no lock', async () => {
    const before = await catalogDigest();
    let advisoryLocksSeen = -1;
    const { deps } = testDeps();
    const result = await migrateUp({ databaseUrl: db.url, dryRun: true }, deps);
    if (!result.dryRun) throw new Error('expected a dry-run result');
    advisoryLocksSeen = Number((await db.query(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory'`)).rows[0].n);
    expect(result.failure).toBeNull();
    expect(result.preflight.map((c) => [c.check, c.ok])).toEqual([
      ['server_version', true],
      ['primary_server', true],
      ['app_table', true],
      ['key_columns', true],
      ['table_owner', true],
      ['state_schema_create', true],
      ['bookkeeping_table', true],
    ]);
    expect(result.pending.map((m) => m.name)).toEqual(ALL);
    expect(result.pending[0]!.statements.map((s) => s.sql)).toEqual([
      'ALTER TABLE "public"."aibridge_token_usages" ADD COLUMN IF NOT EXISTS "cache_read_input_tokens" bigint NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS "cache_write_input_tokens" bigint NOT NULL DEFAULT 0',
      'INSERT INTO "public"."aibridge_migrate_migrations" (name, run_on) VALUES ($1, NOW())',
    ]);
    expect(result.pending[1]!.statements[0]!.sql).toBe('CREATE SCHEMA IF NOT EXISTS "aibridge_migrate"');
    expect(result.bookkeeping[0]!.sql).toMatch(/^CREATE TABLE "public"."aibridge_migrate_migrations"/);
    expect(await catalogDigest()).toBe(before);
    expect(advisoryLocksSeen).toBe(0);
    expect(await bookkeepingRows(db)).toEqual([]);
  });

  it('reports a failing preflight with the reason and still changes nothing', async () => {
    const before = await catalogDigest();
    const result = await migrateUp({ databaseUrl: db.url, dryRun: true, schema: 'nope' }, testDeps().deps);
    if (!result.dryRun) throw new Error('expected a dry-run result');
    expect(result.failure).toBeInstanceOf(PreflightError);
    expect(result.preflight.find((c) => !c.ok)?.check).toBe('app_schema');
    expect(await catalogDigest()).toBe(before);
  });
});
