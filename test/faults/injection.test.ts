/**
 * Every option that becomes an SQL identifier — --schema, --state-schema, --migrations-schema,
 * --migrations-table — given names with quotes, semicolons, comment markers, dollar quotes,
 * backslashes and unicode, through the real CLI for a whole lifecycle (up, status, backfill,
 * verify, down, down). Each name is used exactly as given (quoted), or refused with exit 2
 * where the toolkit documents it: node-pg-migrate pastes the bookkeeping schema and table
 * between quotes unescaped, so a quote in those two is refused before anything runs.
 *
 * Proof that no injected statement ran: a canary table (with its row) survives, no object
 * disappears, and every object created lives in the two schemas the options named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { qualify } from '../../src/db/identifier.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { loadBaselineSchema } from '../harness/template.js';
import { LEDGER_MIGRATIONS } from '../harness/toolkit-schema.js';
import { runCli } from '../harness/fault-cli.js';
import { snapshot, tableProblems } from '../harness/table-checks.js';

interface Names {
  schema: string;
  stateSchema: string;
  migrationsSchema: string;
  migrationsTable: string;
}

const HOSTILE: Record<string, Names> = {
  'double quotes and semicolons': {
    schema: 'app"; DROP TABLE public.canary; --',
    stateSchema: 'st"."x\'; DROP TABLE public.canary; --',
    migrationsSchema: 'mig; DROP TABLE public.canary; --',
    migrationsTable: 't; DELETE FROM public.canary; --',
  },
  'unicode, dollar quotes, backslashes': {
    schema: 'Ünïcødé 😀 $1 \\ схема',
    stateSchema: 'état$$ledger\\$$; DROP TABLE public.canary',
    migrationsSchema: 'миграции /* */',
    migrationsTable: 'Таблица ; -- \\',
  },
};

interface CatalogObject {
  schema: string;
  name: string;
  kind: string;
}

/** Every relation, schema and function outside the system catalogs. */
async function catalog(db: TestDatabase): Promise<{ relations: CatalogObject[]; schemas: string[]; functions: number }> {
  const { rows: relations } = await db.query(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2`,
  );
  const { rows: schemas } = await db.query(
    `SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' AND nspname <> 'information_schema' ORDER BY 1`,
  );
  const { rows: functions } = await db.query(
    `SELECT count(*)::int AS n FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`,
  );
  return { relations, schemas: schemas.map((r) => r.nspname), functions: functions[0].n };
}

const key = (o: CatalogObject) => `${o.schema}|${o.name}|${o.kind}`;

async function canaryIntact(db: TestDatabase): Promise<boolean> {
  const { rows } = await db.query(`SELECT to_regclass('public.canary') IS NOT NULL AS present`);
  if (!rows[0].present) return false;
  const { rows: content } = await db.query(`SELECT count(*)::int AS n FROM public.canary`);
  return content[0].n === 1;
}

async function hostileDatabase(names: Names): Promise<TestDatabase> {
  const db = await createTestDatabase({ empty: true });
  await db.query(`CREATE TABLE public.canary (x int); INSERT INTO public.canary VALUES (1)`);
  await loadBaselineSchema(db.url, names.schema);
  await generateDataset(db.pool, { rows: 1_500, seed: 3, schema: names.schema });
  return db;
}

function flags(names: Names, url: string): string[] {
  return [
    '--database-url',
    url,
    '--schema',
    names.schema,
    '--state-schema',
    names.stateSchema,
    '--migrations-schema',
    names.migrationsSchema,
    '--migrations-table',
    names.migrationsTable,
  ];
}

describe.each(Object.entries(HOSTILE))('identifier options with %s', (_label, names) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await hostileDatabase(names);
  });
  afterAll(() => db?.drop());

  it('are quoted safely through up, status, backfill, verify and down: no injected statement runs', async () => {
    const before = await catalog(db);
    const table = qualify(names.schema, 'aibridge_token_usages');
    expect(await snapshot(db, table).catch(() => null), 'the cache columns do not exist yet').toBeNull();

    const up = await runCli(['up', ...flags(names, db.url)]);
    expect(up.code, up.stderr).toBe(0);
    expect(await canaryIntact(db)).toBe(true);
    const afterUp = await catalog(db);
    // Nothing dropped; everything new lives in the schemas the options named.
    const beforeKeys = new Set(before.relations.map(key));
    expect(before.relations.filter((o) => !afterUp.relations.some((a) => key(a) === key(o)))).toEqual([]);
    const created = afterUp.relations.filter((o) => !beforeKeys.has(key(o)));
    expect(created.filter((o) => o.schema !== names.stateSchema && o.schema !== names.migrationsSchema)).toEqual([]);
    expect(created.map((o) => o.name)).toEqual(expect.arrayContaining(['backfill_runs', 'backfill_ranges', names.migrationsTable]));
    expect(afterUp.schemas.filter((s) => !before.schemas.includes(s)).sort()).toEqual([names.migrationsSchema, names.stateSchema].sort());
    expect(afterUp.functions).toBe(before.functions);
    const { rows: columns } = await db.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'aibridge_token_usages' AND column_name LIKE 'cache%' ORDER BY 1`,
      [names.schema],
    );
    expect(columns.map((c) => c.column_name)).toEqual(['cache_read_input_tokens', 'cache_write_input_tokens']);

    const status = await runCli(['status', '--json', ...flags(names, db.url)]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('20261128000001000_backfill-ledger');

    const start = await snapshot(db, table);
    const backfill = await runCli(['backfill', '--json', ...flags(names, db.url)]);
    expect(backfill.code, backfill.stderr).toBe(0);
    expect(backfill.events.at(-1)).toMatchObject({ event: 'finish', status: 'completed' });
    expect(await tableProblems(db, { before: start, applicationWritten: new Map(), allowPending: false, table })).toEqual([]);
    const { rows: runs } = await db.query(`SELECT target_schema, status FROM ${qualify(names.stateSchema, 'backfill_runs')}`);
    expect(runs).toEqual([{ target_schema: names.schema, status: 'completed' }]);

    const verify = await runCli(['verify', '--format', 'json', ...flags(names, db.url)]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout).target.schema).toBe(names.schema);

    // The ledger's migrations, then the columns: they now hold only what metadata holds, so down may drop them.
    for (let i = 0; i < LEDGER_MIGRATIONS.length + 1; i++) {
      const down = await runCli(['down', ...flags(names, db.url)]);
      expect(down.code, down.stderr).toBe(0);
    }
    expect(await canaryIntact(db)).toBe(true);
    const afterDown = await catalog(db);
    expect(before.relations.filter((o) => !afterDown.relations.some((a) => key(a) === key(o)))).toEqual([]);
    expect(
      afterDown.relations
        .filter((o) => !beforeKeys.has(key(o)))
        .every((o) => o.schema === names.migrationsSchema || o.schema === names.stateSchema),
    ).toBe(true);
    expect(afterDown.functions).toBe(before.functions);
  });
});

describe('quotes in the bookkeeping names (pasted unescaped by node-pg-migrate)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(`CREATE TABLE public.canary (x int); INSERT INTO public.canary VALUES (1)`);
  });
  afterAll(() => db?.drop());

  it.each([
    ['--migrations-table', `x"; DROP TABLE public.canary; --`],
    ['--migrations-schema', `public"; DROP TABLE public.canary; --`],
    ['--migrations-table', `x'); DROP TABLE public.canary; --`],
  ])('%s %j is refused with exit 2 before anything runs', async (flag, name) => {
    const before = await catalog(db);
    for (const command of ['up', 'status', 'down']) {
      const exit = await runCli([command, '--database-url', db.url, flag, name]);
      expect(exit.code, exit.stderr).toBe(2);
      expect(exit.stderr).toMatch(
        /Setting 'migrations-(table|schema)' \(--migrations-(table|schema)\): must not contain a quote character/,
      );
    }
    expect(await canaryIntact(db)).toBe(true);
    expect(await catalog(db)).toEqual(before);
  });
});
