/**
 * Names from users reach node-pg-migrate, which pastes the bookkeeping schema and table names
 * into SQL unescaped. Names with quotes are refused before anything runs; any other name
 * (semicolons, unicode, mixed case) is used exactly as given, never as SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { migrateDown, migrateUp, migrationStatus, type UpResult } from '../../src/migrate/index.js';
import { runMigrations } from '../../src/migrate/runner.js';
import type { TestDatabase } from '../harness/database.js';
import { freshDatabase, testDeps, withClient } from '../harness/migrate.js';
import { SHIPPED_MIGRATIONS } from '../harness/toolkit-schema.js';

const INJECTIONS = [
  `x"; DROP TABLE aibridge_token_usages; --`,
  `x'; DROP TABLE aibridge_token_usages; --`,
  `public".aibridge_interceptions; --`,
];

async function tablesIntact(db: TestDatabase): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT to_regclass('public.aibridge_token_usages') IS NOT NULL AND to_regclass('public.aibridge_interceptions') IS NOT NULL AS ok`,
  );
  return rows[0].ok;
}

async function usageProblems(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return (error as UsageError).problems;
  }
  throw new Error('expected a UsageError');
}

describe('user-supplied names', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.drop());

  it.each(INJECTIONS)('refuses the bookkeeping name %j before any SQL runs', async (name) => {
    for (const options of [{ migrationsTable: name }, { migrationsSchema: name }]) {
      const problems = await usageProblems(migrateUp({ databaseUrl: db.url, ...options }, testDeps().deps));
      expect(problems[0]).toMatch(
        /^Setting 'migrations-(table|schema)' \(options\.migrations(Table|Schema)\): must not contain a quote character/,
      );
      await usageProblems(migrateDown({ databaseUrl: db.url, ...options }, testDeps().deps));
      await usageProblems(migrationStatus({ databaseUrl: db.url, ...options }));
    }
    // The lower-level runner (used by the test harness and other helpers) refuses too.
    await withClient(db.url, async (client) => {
      await usageProblems(
        runMigrations({
          client,
          direction: 'up',
          context: { appSchema: 'public', stateSchema: 'aibridge_migrate' },
          migrationsSchema: 'public',
          migrationsTable: name,
        }),
      );
    });
    expect(await tablesIntact(db)).toBe(true);
    expect(
      (await db.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'x%' OR nspname LIKE 'public"%'`)).rows[0].n,
    ).toBe(0);
  });

  it('uses names with semicolons, unicode and quotes (where it is safe) exactly as given', async () => {
    const migrationsSchema = 'Mig; DROP TABLE aibridge_token_usages; -- ü';
    const migrationsTable = 'Tabelle;😀';
    const stateSchema = `st"ate'; DROP SCHEMA public CASCADE; --`;
    const result = (await migrateUp({ databaseUrl: db.url, migrationsSchema, migrationsTable, stateSchema }, testDeps().deps)) as UpResult;
    expect(result.applied).toHaveLength(SHIPPED_MIGRATIONS.length);
    expect(await tablesIntact(db)).toBe(true);
    const { rows } = await db.query(
      `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname NOT IN ('public', 'pg_catalog', 'information_schema') ORDER BY 1, 2`,
    );
    expect(rows).toEqual([
      { nspname: migrationsSchema, relname: migrationsTable },
      { nspname: stateSchema, relname: 'backfill_control_log' },
      { nspname: stateSchema, relname: 'backfill_moved_rows' },
      { nspname: stateSchema, relname: 'backfill_ranges' },
      { nspname: stateSchema, relname: 'backfill_runs' },
    ]);
    const status = await migrationStatus({ databaseUrl: db.url, migrationsSchema, migrationsTable, stateSchema });
    expect(status.applied).toHaveLength(SHIPPED_MIGRATIONS.length);
    expect(status.backfill?.ledger).toBe(`${stateSchema}.backfill_runs`);
  });
});
