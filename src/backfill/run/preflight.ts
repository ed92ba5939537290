/**
 * Checks made before any work, each failing with the fix: the table and its columns exist,
 * the ledger exists, and this role may do what the run needs.
 */
import type { Queryable } from '../../db/port.js';
import { sql } from '../../db/sql.js';
import { PermissionError, PreflightError } from '../../errors.js';
import { ledgerExists } from '../../ledger/runs.js';
import { CACHE_COLUMNS, READ_COLUMN, TOKEN_USAGES, WRITE_COLUMN, type Tables } from '../../names.js';

export interface TableFacts {
  /** pg_class.reltuples: the catalog's row estimate (-1 or 0 when never analyzed). */
  catalogRows: number;
  hasCacheColumns: boolean;
  /** The ledger as this version uses it. */
  hasLedger: boolean;
  /** A ledger an older version created (runs and ranges), not yet brought up to date by `up`. */
  hasOlderLedger: boolean;
  hasInterceptions: boolean;
}

export async function inspectTable(db: Queryable, schema: string, names: Tables): Promise<TableFacts> {
  const facts = sql`SELECT c.reltuples::float8 AS reltuples,
            (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = ANY(${CACHE_COLUMNS}) AND NOT a.attisdropped)::int AS cache_columns,
            to_regclass(${names.runs}) IS NOT NULL AND to_regclass(${names.ranges}) IS NOT NULL AS has_ledger,
            to_regclass(${names.interceptions}) IS NOT NULL AS has_interceptions
       FROM pg_class c WHERE c.oid = to_regclass(${names.usages})`;
  const { rows } = await db.query(facts.text, facts.values);
  const row = rows[0];
  if (!row) {
    throw new PreflightError(`table ${TOKEN_USAGES} not found in schema "${schema}"`, {
      hint: 'Check --schema (the schema holding the aibridge_* tables) and that the database URL names the Coder database.',
    });
  }
  const current = row.has_ledger === true && (await ledgerExists(db, names));
  return {
    catalogRows: Number(row.reltuples),
    hasCacheColumns: Number(row.cache_columns) === 2,
    hasLedger: current,
    hasOlderLedger: row.has_ledger === true && !current,
    hasInterceptions: row.has_interceptions === true,
  };
}

/**
 * Everything a writing run checks before it takes any lock: a role that can never do the job
 * hears so even while another backfill holds the runner lock, instead of "already running".
 */
export async function preflightBackfill(db: Queryable, schema: string, names: Tables): Promise<TableFacts> {
  const facts = await inspectTable(db, schema, names);
  await preflightWrite(db, facts, names);
  return facts;
}

/** What a writing run needs beyond the table itself. */
export async function preflightWrite(db: Queryable, facts: TableFacts, names: Tables): Promise<void> {
  if (!facts.hasCacheColumns) {
    throw new PreflightError(`${names.usages} has no ${READ_COLUMN} / ${WRITE_COLUMN} columns yet`, {
      hint: 'Run `aibridge-migrate up` first: it adds the columns and the backfill ledger.',
    });
  }
  if (facts.hasOlderLedger) {
    throw new PreflightError(`the backfill ledger (${names.runs}, ${names.ranges}) was created by an older version of aibridge-migrate`, {
      hint: 'Run `aibridge-migrate up` (with the same --state-schema) to bring it up to date; an unfinished run resumes where it stopped.',
    });
  }
  if (!facts.hasLedger) {
    throw new PreflightError(`the backfill ledger (${names.runs}, ${names.ranges}) does not exist`, {
      hint: 'Run `aibridge-migrate up` first (with the same --state-schema): it creates the ledger.',
    });
  }
  // has_table_privilege with a list is true when ANY of them is held: ask one at a time.
  const needs: [string, string][] = [
    [names.usages, 'SELECT'],
    [names.usages, 'UPDATE'],
    [names.runs, 'SELECT'],
    [names.runs, 'INSERT'],
    [names.runs, 'UPDATE'],
    [names.ranges, 'SELECT'],
    [names.ranges, 'INSERT'],
    [names.ranges, 'UPDATE'],
    [names.movedRows, 'SELECT'],
    [names.movedRows, 'INSERT'],
    [names.movedRows, 'DELETE'],
    [names.controlLog, 'INSERT'],
  ];
  const privileges = sql`SELECT array_agg(has_table_privilege(n.tbl, n.priv) ORDER BY n.ord) AS ok
       FROM unnest(${needs.map(([t]) => t)}::text[], ${needs.map(([, p]) => p)}::text[]) WITH ORDINALITY AS n(tbl, priv, ord)`;
  const { rows } = await db.query<{ ok: boolean[] }>(privileges.text, privileges.values);
  const lacking = new Map<string, string[]>();
  needs.forEach(([table, privilege], i) => {
    if (rows[0]!.ok[i]) return;
    lacking.set(table, [...(lacking.get(table) ?? []), privilege]);
  });
  const missing = [...lacking].map(([table, privileges]) => `${privileges.join(', ')} on ${table}`);
  if (missing.length > 0) {
    throw new PermissionError(`this role lacks privileges the backfill needs: ${missing.join('; ')}`, {
      hint: 'Run as the role that owns the aibridge tables, or GRANT the privileges listed above.',
    });
  }
}
