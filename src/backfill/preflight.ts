/**
 * Checks made before any work, each failing with the fix: the table and its columns exist,
 * the ledger exists, and this role may do what the run needs.
 */
import { PermissionError, PreflightError } from '../errors.js';
import type { Queryable } from './ledger.js';
import { READ_COLUMN, TOKEN_USAGES, WRITE_COLUMN, type TableNames } from './sql.js';

export interface TableFacts {
  /** pg_class.reltuples: the catalog's row estimate (-1 or 0 when never analyzed). */
  catalogRows: number;
  hasCacheColumns: boolean;
  hasLedger: boolean;
  hasInterceptions: boolean;
}

export async function inspectTable(db: Queryable, schema: string, names: TableNames, interceptions: string): Promise<TableFacts> {
  const { rows } = await db.query(
    `SELECT c.reltuples::float8 AS reltuples,
            (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = ANY($2) AND NOT a.attisdropped)::int AS cache_columns,
            to_regclass($3) IS NOT NULL AND to_regclass($4) IS NOT NULL AS has_ledger,
            to_regclass($5) IS NOT NULL AS has_interceptions
       FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [names.usages, [READ_COLUMN, WRITE_COLUMN], names.runs, names.ranges, interceptions],
  );
  const row = rows[0];
  if (!row) {
    throw new PreflightError(`table ${TOKEN_USAGES} not found in schema "${schema}"`, {
      hint: 'Check --schema (the schema holding the aibridge_* tables) and that the database URL names the Coder database.',
    });
  }
  return {
    catalogRows: Number(row.reltuples),
    hasCacheColumns: Number(row.cache_columns) === 2,
    hasLedger: row.has_ledger === true,
    hasInterceptions: row.has_interceptions === true,
  };
}

/** What a writing run needs beyond the table itself. */
export async function preflightWrite(db: Queryable, facts: TableFacts, names: TableNames): Promise<void> {
  if (!facts.hasCacheColumns) {
    throw new PreflightError(`${names.usages} has no ${READ_COLUMN} / ${WRITE_COLUMN} columns yet`, {
      hint: 'Run `aibridge-migrate up` first: it adds the columns and the backfill ledger.',
    });
  }
  if (!facts.hasLedger) {
    throw new PreflightError(`the backfill ledger (${names.runs}, ${names.ranges}) does not exist`, {
      hint: 'Run `aibridge-migrate up` first (with the same --state-schema): it creates the ledger.',
    });
  }
  const { rows } = await db.query(
    `SELECT has_table_privilege($1, 'SELECT, UPDATE') AS app, has_table_privilege($2, 'SELECT, INSERT, UPDATE') AS runs,
            has_table_privilege($3, 'SELECT, INSERT, UPDATE') AS ranges`,
    [names.usages, names.runs, names.ranges],
  );
  const missing: string[] = [];
  if (!rows[0]!.app) missing.push(`SELECT, UPDATE on ${names.usages}`);
  if (!rows[0]!.runs) missing.push(`SELECT, INSERT, UPDATE on ${names.runs}`);
  if (!rows[0]!.ranges) missing.push(`SELECT, INSERT, UPDATE on ${names.ranges}`);
  if (missing.length > 0) {
    throw new PermissionError(`this role lacks privileges the backfill needs: ${missing.join('; ')}`, {
      hint: 'Run as the role that owns the aibridge tables, or GRANT the privileges listed above.',
    });
  }
}
