/**
 * node-pg-migrate's bookkeeping table (which migrations ran, and when) and its advisory lock.
 *
 * node-pg-migrate 9 builds some of its statements by pasting the schema and table names
 * between quotes without escaping them (`CREATE SCHEMA IF NOT EXISTS "${schema}"`,
 * `... WHERE table_schema = '${schema}'`, `INSERT INTO "${schema}"."${table}" ...`), and it
 * sends them through the simple query protocol, where one string may hold several
 * statements. A name containing a quote would therefore run SQL of the user's choosing, so
 * such names are refused before node-pg-migrate sees them. Every statement of our own about
 * this table goes through qualify() as usual.
 */
import { UsageError } from '../errors.js';
import { qualify } from '../db/identifier.js';
import type { Queryable } from '../db/port.js';
import { sql } from '../db/sql.js';

/**
 * Our own advisory-lock key, not node-pg-migrate's default (shared by every project that uses
 * it): two unrelated tools in one database must not serialise on each other.
 */
export const MIGRATION_LOCK_ID = 4_160_937_215_072_431;

const UNSAFE = /["']/;

/** Why `name` cannot be handed to node-pg-migrate, or undefined when it can. */
export function bookkeepingNameProblem(setting: string, name: string): string | undefined {
  if (UNSAFE.test(name)) {
    return `Setting '${setting}': ${JSON.stringify(name)} contains a quote character (" or '), which node-pg-migrate would paste into SQL unescaped; choose a name without quotes`;
  }
  return undefined;
}

export function assertBookkeepingNames(migrationsSchema: string, migrationsTable: string): void {
  const problems = [
    bookkeepingNameProblem('migrations-schema', migrationsSchema),
    bookkeepingNameProblem('migrations-table', migrationsTable),
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new UsageError(problems, { hint: 'Nothing was run.' });
}

export interface AppliedMigration {
  name: string;
  /** When node-pg-migrate recorded it (its run_on column, read in the session's time zone). */
  runOn: Date;
}

export interface BookkeepingState {
  exists: boolean;
  applied: AppliedMigration[];
}

/** Reads what has been applied without creating anything: a missing table means nothing has. */
export async function readBookkeeping(db: Queryable, migrationsSchema: string, migrationsTable: string): Promise<BookkeepingState> {
  const table = qualify(migrationsSchema, migrationsTable);
  const exists = sql`SELECT to_regclass(${table}) IS NOT NULL AS exists`;
  const found = await db.query<{ exists: boolean }>(exists.text, exists.values);
  if (!found.rows[0]?.exists) return { exists: false, applied: [] };
  // run_on is `timestamp` (no zone) written with NOW(): interpret it in the session's zone,
  // the same zone node-pg-migrate wrote it in.
  const { rows } = await db.query<{ name: string; run_on: Date }>(
    `SELECT name, run_on AT TIME ZONE current_setting('TimeZone') AS run_on FROM ${table} ORDER BY run_on, id`,
  );
  return { exists: true, applied: rows.map((row) => ({ name: row.name, runOn: row.run_on })) };
}
