/**
 * `up --dry-run`: the preflight results and the SQL `up` would run, with no side effect —
 * not even the advisory lock and bookkeeping table that node-pg-migrate's own dryRun takes.
 */
import { coderReport, type CoderReport } from '../coder/migrate-steps.js';
import { isToolkitError, type ToolkitError } from '../errors.js';
import { qualify } from '../db/identifier.js';
import { quoted, sql } from '../db/sql.js';
import { translatePgError } from '../db/pg-errors.js';
import { withRolledBackTransaction } from '../db/transaction.js';
import type { MigrateDeps } from './deps.js';
import { loadMigrations } from './loader.js';
import type { Queryable } from '../db/port.js';
import type { UpSettings } from './options.js';
import { preflightError, type PreflightCheck } from './preflight.js';
import { assertPlanUsable, COLUMNS_MIGRATION, openSession, readSituation, transactionSettings } from './session.js';
import { upPreflight } from './up-down.js';
import type pg from 'pg';

export interface RecordedStatement {
  sql: string;
  values: unknown[];
}

export interface PlannedMigration {
  name: string;
  description: string;
  statements: RecordedStatement[];
}

export interface DryRunResult {
  command: 'up';
  dryRun: true;
  database: string;
  preflight: PreflightCheck[];
  alreadyApplied: string[];
  bookkeepingTableExists: boolean;
  /** Statements node-pg-migrate itself would run (bookkeeping table, rows). */
  bookkeeping: RecordedStatement[];
  pending: PlannedMigration[];
  /** Set when `up` would fail: preflight, or a migration refusing (e.g. a column with another definition). */
  failure: ToolkitError | null;
  /** Coder's migration runner: where it stands and what `up` would do about it. */
  coder: CoderReport;
}

const READ = /^\s*(SELECT|WITH|SHOW|VALUES|TABLE)\b/i;
const TAKES_LOCK = /\bpg_(try_)?advisory_(xact_)?lock/i;

/** Template-literal SQL keeps its source indentation; print it flush left. */
export function dedent(text: string): string {
  const lines = text
    .replace(/^\s*\n/, '')
    .replace(/\s+$/, '')
    .split('\n');
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(Math.min(cut, /^ */.exec(line)![0].length))).join('\n');
}

/** Executes reads on `client`; records anything else. */
export function recordingSession(client: pg.Client, recorded: RecordedStatement[]): Queryable {
  return {
    async query(text, values = []) {
      if (READ.test(text) && !TAKES_LOCK.test(text)) {
        const result = await client.query(text, values as unknown[]);
        return { rows: result.rows, rowCount: result.rowCount };
      }
      recorded.push({ sql: dedent(text), values });
      return { rows: [], rowCount: 0 };
    },
  };
}

/**
 * Everything happens inside one READ ONLY transaction (PostgreSQL then refuses any write, and no
 * transaction id is ever assigned): the applied list is read only if the bookkeeping table
 * exists, and each pending migration's `up` runs against a recording session that executes its
 * catalog reads (a migration decides what to do from them) and records every other statement
 * instead of sending it — a lock function too, though it is called with SELECT: the dry run
 * takes no lock, it shows the one `up` would wait for.
 */
export async function runUpDryRun(settings: UpSettings, deps: MigrateDeps): Promise<DryRunResult> {
  const database = settings.connection.label;
  const client = await openSession(settings, deps, 'up --dry-run');
  try {
    // READ ONLY: PostgreSQL itself refuses any write, and no transaction id is ever assigned.
    // lock_timeout local to it: nothing is set for the session (see openSession).
    return await withRolledBackTransaction(client, () => plan(client, settings, database), {
      mode: 'read-only',
      local: transactionSettings(settings),
    });
  } catch (error) {
    throw translatePgError(error, { connection: settings.connection, action: 'planning migrations (dry run)' });
  } finally {
    await client.end().catch(() => {});
  }
}

async function plan(client: pg.Client, settings: UpSettings, database: string): Promise<DryRunResult> {
  {
    const table = qualify(settings.migrationsSchema, settings.migrationsTable);
    const situation = await readSituation(client, settings, settings.connection);
    assertPlanUsable(situation.plan, `${settings.migrationsSchema}.${settings.migrationsTable}`);
    const pendingNames = situation.plan.pending.map((m) => m.name);
    const { checks, coder } = await upPreflight(client, settings, pendingNames);
    let failure: ToolkitError | null = preflightError(checks) ?? null;

    const bookkeeping: RecordedStatement[] = [];
    if (!situation.bookkeeping.exists && pendingNames.length > 0) {
      bookkeeping.push({
        sql: `CREATE TABLE ${table} (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)`,
        values: [],
      });
    }
    const pending: PlannedMigration[] = [];
    if (!failure) {
      const loaded = new Map((await loadMigrations()).map((m) => [m.name, m.migration]));
      for (const { name, description } of situation.plan.pending) {
        const statements: RecordedStatement[] = [];
        pending.push({ name, description, statements });
        try {
          const context = { appSchema: settings.schema, stateSchema: settings.stateSchema, coder: { migration: settings.coderMigration } };
          await loaded.get(name)!.up(recordingSession(client, statements), context);
        } catch (error) {
          failure = isToolkitError(error)
            ? error
            : translatePgError(error, { connection: settings.connection, action: `planning ${name}` });
          break;
        }
        const recorded = sql`INSERT INTO ${quoted(table)} (name, run_on) VALUES (${name}, NOW())`;
        statements.push({ sql: recorded.text, values: recorded.values });
      }
    }
    return {
      command: 'up',
      dryRun: true,
      database,
      preflight: checks,
      alreadyApplied: situation.bookkeeping.applied.map((m) => m.name),
      bookkeepingTableExists: situation.bookkeeping.exists,
      bookkeeping,
      pending,
      failure,
      coder: coderReport({ ...coder, columnsApplied: !pendingNames.includes(COLUMNS_MIGRATION) }),
    };
  }
}
