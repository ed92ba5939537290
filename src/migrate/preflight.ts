/**
 * Checks made before anything is applied or reverted. Facts are read in one query
 * (readPreflightFacts); judging them is pure (evaluatePreflight), so every failure message is
 * tested without a server in that state. Each failure is one paragraph: the problem, then the fix.
 */
import { PermissionError, PreflightError, type ToolkitError } from '../errors.js';
import type { Queryable } from '../db/port.js';
import { param, sql } from '../db/sql.js';
import { judgeServerVersion } from '../db/server-version.js';
import { TOKEN_USAGES } from '../names.js';

export interface PreflightFacts {
  serverVersionNum: number;
  serverVersion: string;
  inRecovery: boolean;
  /** Sessions start read-only (default_transaction_read_only, e.g. a role kept off the primary's writes). */
  readOnly?: boolean;
  role: string;
  database: string;
  canCreateInDatabase: boolean;
  appSchemaExists: boolean;
  tableExists: boolean;
  tableOwner: string | null;
  /** The role is the owner or inherits its privileges (what ALTER TABLE checks). */
  ownsTable: boolean;
  /** Key columns and their types, e.g. { id: 'uuid', metadata: 'jsonb' }; absent = missing. */
  columnTypes: Record<string, string>;
  stateSchemaExists: boolean;
  canCreateInStateSchema: boolean;
  migrationsSchemaExists: boolean;
  canCreateInMigrationsSchema: boolean;
  migrationsTableExists: boolean;
  canWriteMigrationsTable: boolean;
}

/** What the pending work needs beyond reading. */
export interface PreflightNeeds {
  /** Something will be written (any migration applied or reverted). */
  write: boolean;
  /** ALTER TABLE on the application's table (the cache columns migration, either way). */
  alterTable: boolean;
  /** CREATE SCHEMA / CREATE TABLE in the state schema (the ledger migration). */
  createInStateSchema: boolean;
}

export interface PreflightNames {
  appSchema: string;
  stateSchema: string;
  migrationsSchema: string;
  migrationsTable: string;
}

export type CheckName =
  | 'server_version'
  | 'primary_server'
  | 'app_schema'
  | 'app_table'
  | 'key_columns'
  | 'table_owner'
  | 'state_schema_create'
  | 'bookkeeping_table'
  /** Coder's version allows the columns now (src/coder's verdict, added by upPreflight when Coder is detected). */
  | 'coder_version';

export type PreflightCheck =
  | { check: CheckName; ok: true; detail: string }
  | { check: CheckName; ok: false; kind: 'preflight' | 'permission'; problem: string; fix: string };

export async function readPreflightFacts(db: Queryable, names: PreflightNames): Promise<PreflightFacts> {
  const [app, state, migrations] = [param(names.appSchema), param(names.stateSchema), param(names.migrationsSchema)];
  const facts = sql`WITH app_table AS (
       SELECT c.oid, c.relowner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ${app} AND c.relname = ${TOKEN_USAGES} AND c.relkind IN ('r', 'p')
     ), bk_table AS (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ${migrations} AND c.relname = ${names.migrationsTable} AND c.relkind IN ('r', 'p')
     )
     SELECT current_setting('server_version_num')::int AS server_version_num,
            current_setting('server_version') AS server_version,
            pg_is_in_recovery() AS in_recovery,
            -- The session default, not transaction_read_only: a dry run reads inside its own READ ONLY transaction.
            current_setting('default_transaction_read_only') = 'on' AS read_only,
            current_user::text AS role,
            current_database()::text AS database,
            has_database_privilege(current_database(), 'CREATE') AS can_create_in_database,
            EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${app}) AS app_schema_exists,
            EXISTS (SELECT 1 FROM app_table) AS table_exists,
            (SELECT pg_get_userbyid(relowner)::text FROM app_table) AS table_owner,
            COALESCE((SELECT pg_has_role(relowner, 'USAGE') FROM app_table), false) AS owns_table,
            COALESCE((SELECT json_object_agg(a.attname, format_type(a.atttypid, a.atttypmod))
                        FROM pg_attribute a JOIN app_table t ON a.attrelid = t.oid
                       WHERE a.attname IN ('id', 'metadata') AND a.attnum > 0 AND NOT a.attisdropped), '{}'::json) AS column_types,
            EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${state}) AS state_schema_exists,
            COALESCE((SELECT has_schema_privilege(oid, 'CREATE') FROM pg_namespace WHERE nspname = ${state}), false) AS can_create_in_state_schema,
            EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${migrations}) AS migrations_schema_exists,
            COALESCE((SELECT has_schema_privilege(oid, 'CREATE') FROM pg_namespace WHERE nspname = ${migrations}), false) AS can_create_in_migrations_schema,
            EXISTS (SELECT 1 FROM bk_table) AS migrations_table_exists,
            COALESCE((SELECT has_table_privilege(oid, 'SELECT') AND has_table_privilege(oid, 'INSERT') AND has_table_privilege(oid, 'DELETE')
                        FROM bk_table), false) AS can_write_migrations_table`;
  const { rows } = await db.query(facts.text, facts.values);
  // One row always: the query selects from no table.
  const r = rows[0]!;
  return {
    serverVersionNum: r.server_version_num,
    serverVersion: r.server_version,
    inRecovery: r.in_recovery,
    readOnly: r.read_only,
    role: r.role,
    database: r.database,
    canCreateInDatabase: r.can_create_in_database,
    appSchemaExists: r.app_schema_exists,
    tableExists: r.table_exists,
    tableOwner: r.table_owner,
    ownsTable: r.owns_table,
    columnTypes: r.column_types,
    stateSchemaExists: r.state_schema_exists,
    canCreateInStateSchema: r.can_create_in_state_schema,
    migrationsSchemaExists: r.migrations_schema_exists,
    canCreateInMigrationsSchema: r.can_create_in_migrations_schema,
    migrationsTableExists: r.migrations_table_exists,
    canWriteMigrationsTable: r.can_write_migrations_table,
  };
}

const KEY_COLUMNS: Record<string, string> = { id: 'uuid', metadata: 'jsonb' };

type FailedCheck = Extract<PreflightCheck, { ok: false }>;

const ok = (check: CheckName, detail: string): PreflightCheck => ({ check, ok: true, detail });
const fail = (check: CheckName, kind: FailedCheck['kind'], problem: string, fix: string): PreflightCheck => ({
  check,
  ok: false,
  kind,
  problem,
  fix,
});

/** Every check that applies, in order; a check that depends on a failed one is left out. */
export function evaluatePreflight(f: PreflightFacts, needs: PreflightNeeds, names: PreflightNames): PreflightCheck[] {
  const table = `${names.appSchema}.${TOKEN_USAGES}`;
  const checks = [serverVersionCheck(f)];
  if (needs.write) checks.push(primaryServerCheck(f));
  const found = tableCheck(f, names, table);
  checks.push(found);
  // Nothing more can be judged about a table that is not there.
  if (!found.ok) return checks;
  checks.push(keyColumnsCheck(f, table));
  if (needs.alterTable) checks.push(tableOwnerCheck(f, table));
  if (needs.createInStateSchema) checks.push(stateSchemaCheck(f, names));
  if (needs.write) checks.push(bookkeepingCheck(f, names));
  return checks;
}

function serverVersionCheck(f: PreflightFacts): PreflightCheck {
  const support = judgeServerVersion({ num: f.serverVersionNum, text: f.serverVersion });
  if (support.status === 'unsupported') return fail('server_version', 'preflight', support.problem, support.fix);
  // End of life or newer than tested: a warning in the detail, never a refusal.
  return ok('server_version', support.warning ?? `PostgreSQL ${f.serverVersion}`);
}

function primaryServerCheck(f: PreflightFacts): PreflightCheck {
  if (!f.inRecovery && !f.readOnly) return ok('primary_server', 'the server accepts writes');
  if (!f.inRecovery) {
    // node-pg-migrate would hit this first, creating its table, and rethrow it without the
    // SQLSTATE (an "unexpected error", exit 70): say what it is before anything runs.
    return fail(
      'primary_server',
      'preflight',
      `Sessions of role ${f.role} on database "${f.database}" are read-only (default_transaction_read_only is on), so nothing can be changed.`,
      'Connect to the primary as a role whose sessions may write (ALTER ROLE … SET default_transaction_read_only = off), or point --database-url at the primary if this is a replica.',
    );
  }
  return fail(
    'primary_server',
    'preflight',
    `The server at database "${f.database}" is a read-only standby (pg_is_in_recovery() is true), so nothing can be changed there.`,
    'Point --database-url (or DATABASE_URL) at the primary server.',
  );
}

/** The schema, then the table in it. */
function tableCheck(f: PreflightFacts, names: PreflightNames, table: string): PreflightCheck {
  if (!f.appSchemaExists) {
    return fail(
      'app_schema',
      'preflight',
      `Schema "${names.appSchema}" does not exist in database "${f.database}", so ${TOKEN_USAGES} cannot be found.`,
      "Pass --schema with the schema that holds the aibridge_* tables (Coder uses public unless configured otherwise), or check that --database-url names Coder's database.",
    );
  }
  if (!f.tableExists) {
    return fail(
      'app_table',
      'preflight',
      `Table ${table} does not exist in database "${f.database}".`,
      "Check --schema and that --database-url names Coder's database; the table is created by Coder's own migrations (AI Bridge), which must have run first.",
    );
  }
  return ok('app_table', `${table} exists (owner ${f.tableOwner})`);
}

function keyColumnsCheck(f: PreflightFacts, table: string): PreflightCheck {
  const wrong = Object.entries(KEY_COLUMNS)
    .filter(([column, type]) => f.columnTypes[column] !== type)
    .map(([column, type]) => `${column} should be ${type} but is ${f.columnTypes[column] ?? 'missing'}`);
  if (wrong.length === 0) return ok('key_columns', 'id uuid, metadata jsonb');
  return fail(
    'key_columns',
    'preflight',
    `Table ${table} does not look like Coder's ${TOKEN_USAGES}: ${wrong.join('; ')}.`,
    "Check --schema and --database-url; this toolkit only works on the table Coder's AI Bridge creates.",
  );
}

function tableOwnerCheck(f: PreflightFacts, table: string): PreflightCheck {
  if (f.ownsTable) return ok('table_owner', `role ${f.role} may ALTER ${table}`);
  return fail(
    'table_owner',
    'permission',
    `Role ${f.role} does not own ${table} (its owner is ${f.tableOwner}); adding or dropping its columns requires ownership, which no GRANT confers.`,
    `Run as the role Coder's own migrations use (${f.tableOwner}), or have an administrator run GRANT ${f.tableOwner} TO ${f.role}.`,
  );
}

function stateSchemaCheck(f: PreflightFacts, names: PreflightNames): PreflightCheck {
  const allowed = f.stateSchemaExists ? f.canCreateInStateSchema : f.canCreateInDatabase;
  if (allowed) return ok('state_schema_create', `role ${f.role} may create the backfill ledger in schema ${names.stateSchema}`);
  return fail(
    'state_schema_create',
    'permission',
    f.stateSchemaExists
      ? `Role ${f.role} may not create tables in schema "${names.stateSchema}", where the backfill ledger goes.`
      : `Schema "${names.stateSchema}" (for the backfill ledger) does not exist and role ${f.role} may not create schemas in database "${f.database}".`,
    f.stateSchemaExists
      ? `GRANT CREATE ON SCHEMA "${names.stateSchema}" TO ${f.role}, or choose another schema with --state-schema.`
      : `GRANT CREATE ON DATABASE "${f.database}" TO ${f.role}, or create the schema for it first: CREATE SCHEMA "${names.stateSchema}" AUTHORIZATION ${f.role}.`,
  );
}

/** The migrations table: writable if it exists, else creatable. */
function bookkeepingCheck(f: PreflightFacts, names: PreflightNames): PreflightCheck {
  const bk = `${names.migrationsSchema}.${names.migrationsTable}`;
  if (f.migrationsTableExists) {
    if (f.canWriteMigrationsTable) return ok('bookkeeping_table', `${bk} exists and is writable`);
    return fail(
      'bookkeeping_table',
      'permission',
      `Role ${f.role} may not read and write the migrations table ${bk}.`,
      `GRANT SELECT, INSERT, DELETE ON ${bk} TO ${f.role}, or run as the role that created it.`,
    );
  }
  const allowed = f.migrationsSchemaExists ? f.canCreateInMigrationsSchema : f.canCreateInDatabase;
  if (allowed) return ok('bookkeeping_table', `${bk} will be created`);
  return fail(
    'bookkeeping_table',
    'permission',
    `The migrations table ${bk} does not exist yet and role ${f.role} may not create it (no CREATE privilege on ${f.migrationsSchemaExists ? `schema "${names.migrationsSchema}"` : `database "${f.database}"`}).`,
    f.migrationsSchemaExists
      ? `GRANT CREATE ON SCHEMA "${names.migrationsSchema}" TO ${f.role} (PostgreSQL 15 and newer no longer grant it on public by default), or pick a schema the role owns with --migrations-schema.`
      : `GRANT CREATE ON DATABASE "${f.database}" TO ${f.role}, or pick an existing schema the role may create in with --migrations-schema.`,
  );
}

/** The error for the failed checks (all of them, one paragraph each), or undefined. */
export function preflightError(checks: readonly PreflightCheck[]): ToolkitError | undefined {
  const failed = checks.filter((c): c is FailedCheck => !c.ok);
  if (failed.length === 0) return undefined;
  const message = failed.map((c) => `${c.problem} Fix: ${c.fix}`).join('\n\n');
  const details = { failed_checks: failed.map((c) => c.check) };
  // A failure of state (version, table, standby) outranks a missing privilege: granting the
  // privilege would not make the command work.
  return failed.some((c) => c.kind === 'preflight')
    ? new PreflightError(`preflight failed: ${message}`, { details })
    : new PermissionError(`preflight failed: ${message}`, { details });
}
