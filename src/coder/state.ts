/**
 * What the database says about Coder's migration runner, read without changing anything:
 * whether Coder's bookkeeping table is there (and has Coder's shape), its version and dirty
 * flag, and whether the toolkit's hand-over record is on the columns. Judging these facts is
 * pure (decide.ts).
 */
import { qualify } from '../db/identifier.js';
import { sqlState, SQLSTATE } from '../db/pg-errors.js';
import type { DbRow } from '../db/row.js';
import type { Queryable } from '../db/port.js';
import { param, sql } from '../db/sql.js';
import { describeLockHolder } from '../db/lock-holders.js';
import { CACHE_COLUMNS, TOKEN_USAGES } from '../names.js';
import { CODER_MIGRATIONS_TABLE } from './constants.js';
import { coderLockHolders } from './lock.js';
import { parseRecord, RECORD_COLUMN } from './record.js';

/** golang-migrate's table as Coder creates it: `version bigint not null primary key, dirty boolean not null`. */
const CODER_SHAPE: Record<string, string> = { version: 'bigint not null', dirty: 'boolean not null' };

export type CoderTable =
  /** No schema_migrations in the schema: the toolkit works standalone. */
  | { kind: 'absent' }
  /** A schema_migrations that is not Coder's (another tool's); treated as standalone. */
  | { kind: 'other-shape'; columns: string }
  /** Coder's table, but this role may not read it: nothing can be decided. */
  | { kind: 'unreadable' }
  /**
   * A Coder server holds Coder's migration lock right now (it is applying its migrations): the
   * version is not read until it commits. Only seen by reads made without that lock.
   */
  | { kind: 'migrating'; holders: string[] }
  | {
      kind: 'present';
      /** The recorded version; null when the table is empty (Coder has applied nothing). */
      version: number | null;
      dirty: boolean;
      /** Coder keeps exactly one row. */
      rows: number;
      /** TRUNCATE and INSERT, what writing the version the way Coder does needs. */
      canWrite: boolean;
    };

export interface CoderFacts {
  /** The schema searched (--schema, where Coder keeps schema_migrations next to the aibridge tables). */
  schema: string;
  table: CoderTable;
  /** The Coder migration the toolkit's hand-over record names, or null when there is none. */
  handedOver: number | null;
  /** Both cache token columns exist. */
  columnsPresent: boolean;
  /** The transaction reads each statement afresh (READ COMMITTED): a version read after the lock is current. */
  readCommitted: boolean;
}

/** Coder's runner shares this schema (its table is there with Coder's shape). */
export function coderDetected(facts: CoderFacts): boolean {
  return facts.table.kind !== 'absent' && facts.table.kind !== 'other-shape';
}

export function coderTableName(schema: string): string {
  return `${schema}.${CODER_MIGRATIONS_TABLE}`;
}

function shapeOf(columns: Record<string, string> | null): 'coder' | string {
  const found = columns ?? {};
  const same =
    Object.keys(found).length === Object.keys(CODER_SHAPE).length &&
    Object.entries(CODER_SHAPE).every(([name, type]) => found[name] === type);
  return same
    ? 'coder'
    : Object.entries(found)
        .map(([name, type]) => `${name} ${type}`)
        .join(', ');
}

interface CatalogRow {
  coderExists: boolean;
  shape: 'coder' | string;
  canRead: boolean;
  canWrite: boolean;
  base: Omit<CoderFacts, 'table'>;
}

/** Catalog facts only: no lock is taken, and nothing waits on Coder's own transaction. */
async function readCatalog(db: Queryable, schema: string): Promise<CatalogRow> {
  const nspname = param(schema);
  const catalog = sql`WITH coder AS (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ${nspname} AND c.relname = ${CODER_MIGRATIONS_TABLE} AND c.relkind IN ('r', 'p')
     ), app AS (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ${nspname} AND c.relname = ${TOKEN_USAGES} AND c.relkind IN ('r', 'p')
     )
     SELECT EXISTS (SELECT 1 FROM coder) AS coder_exists,
            (SELECT json_object_agg(a.attname, format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END)
               FROM pg_attribute a JOIN coder ON a.attrelid = coder.oid
              WHERE a.attnum > 0 AND NOT a.attisdropped) AS coder_columns,
            COALESCE((SELECT has_table_privilege(oid, 'SELECT') FROM coder), false) AS can_read,
            COALESCE((SELECT has_table_privilege(oid, 'TRUNCATE') AND has_table_privilege(oid, 'INSERT') FROM coder), false) AS can_write,
            (SELECT count(*) FROM pg_attribute a JOIN app ON a.attrelid = app.oid
              WHERE a.attname = ANY(${CACHE_COLUMNS}) AND a.attnum > 0 AND NOT a.attisdropped)::int AS cache_columns,
            (SELECT col_description(a.attrelid, a.attnum) FROM pg_attribute a JOIN app ON a.attrelid = app.oid
              WHERE a.attname = ${RECORD_COLUMN} AND a.attnum > 0 AND NOT a.attisdropped) AS record,
            current_setting('transaction_isolation') = 'read committed' AS read_committed`;
  const { rows } = await db.query(catalog.text, catalog.values);
  // One row always: the query selects from no table.
  const r = rows[0]!;
  return {
    coderExists: Boolean(r.coder_exists),
    shape: shapeOf(r.coder_columns),
    canRead: Boolean(r.can_read),
    canWrite: Boolean(r.can_write),
    base: {
      schema,
      handedOver: parseRecord(r.record),
      columnsPresent: Number(r.cache_columns) === CACHE_COLUMNS.length,
      readCommitted: Boolean(r.read_committed),
    },
  };
}

/** Coder's bookkeeping table is there, with Coder's shape. Reads the catalog only. */
export async function isCoderTablePresent(db: Queryable, schema: string): Promise<boolean> {
  const catalog = await readCatalog(db, schema);
  return catalog.coderExists && catalog.shape === 'coder';
}

/**
 * Everything about Coder. `lockHeld`: the caller holds Coder's migration lock, so Coder's table
 * is read directly. Otherwise a Coder server may be migrating right now: its transaction holds
 * schema_migrations in ACCESS EXCLUSIVE mode (its TRUNCATE) until it commits, so reading the
 * version would queue behind it. The lock's holder is looked up first and reported instead; a
 * holder that arrives between that look and the read makes the read wait at most lock_timeout.
 */
export async function readCoderFacts(db: Queryable, schema: string, options: { lockHeld?: boolean } = {}): Promise<CoderFacts> {
  const catalog = await readCatalog(db, schema);
  const base = catalog.base;
  if (!catalog.coderExists) return { ...base, table: { kind: 'absent' } };
  if (catalog.shape !== 'coder') return { ...base, table: { kind: 'other-shape', columns: catalog.shape } };
  if (!catalog.canRead) return { ...base, table: { kind: 'unreadable' } };
  if (!options.lockHeld) {
    const holders = await coderLockHolders(db);
    if (holders.length > 0) return { ...base, table: { kind: 'migrating', holders: holders.map(describeLockHolder) } };
  }
  let version: DbRow;
  try {
    const { rows } = await db.query(
      `SELECT count(*)::int AS rows, max(version)::text AS version, bool_or(dirty) AS dirty FROM ${qualify(schema, CODER_MIGRATIONS_TABLE)}`,
    );
    version = rows[0]!;
  } catch (error) {
    if (!options.lockHeld && sqlState(error) === SQLSTATE.lockNotAvailable) return { ...base, table: { kind: 'migrating', holders: [] } };
    throw error;
  }
  return {
    ...base,
    table: {
      kind: 'present',
      version: version.version === null ? null : Number(version.version),
      dirty: version.dirty === true,
      rows: Number(version.rows),
      canWrite: catalog.canWrite,
    },
  };
}
