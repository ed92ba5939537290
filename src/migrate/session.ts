/** The connection a migrate command works on, and what every command reads first. */
import type pg from 'pg';
import { PreflightError } from '../errors.js';
import { APPLICATION_NAME } from '../db/connect.js';
import { translatePgError } from '../db/pg-errors.js';
import type { ConnectionTarget } from '../db/target.js';
import type { Queryable } from '../db/port.js';
import { readBookkeeping, type BookkeepingState } from './bookkeeping.js';
import type { MigrateDeps } from './deps.js';
import { loadMigrations } from './loader.js';
import { planMigrations, type AvailableMigration, type MigrationPlan } from './plan.js';

export const COLUMNS_MIGRATION = '20261128000000000_cache-token-columns';
export const LEDGER_MIGRATION = '20261128000001000_backfill-ledger';

export interface SessionSettings {
  connection: ConnectionTarget;
  lockTimeoutMs: number;
}

/**
 * A connection with nothing set for the session yet: read-only commands never set anything for
 * it (a transaction-mode pooler would leave the setting on a server connection other clients
 * use); `up` and `down` do once they know it is a session of their own (up-down.ts).
 */
export async function openSession(settings: Pick<SessionSettings, 'connection'>, deps: MigrateDeps, command: string): Promise<pg.Client> {
  // Named in pg_stat_activity, so whoever we block (or who blocks us) can tell.
  return deps.connect({ target: settings.connection, applicationName: `${APPLICATION_NAME} ${command}`, runtime: deps });
}

/**
 * lock_timeout for the command's every statement, and READ COMMITTED whatever the role's
 * default: Coder's version must be read afresh once Coder's migration lock is granted
 * (src/coder/columns-step.ts), not from an earlier snapshot.
 */
export function sessionSettings(settings: Pick<SessionSettings, 'lockTimeoutMs'>): Record<string, string> {
  return { lock_timeout: `${settings.lockTimeoutMs}ms`, default_transaction_isolation: 'read committed' };
}

/** The same lock_timeout for one transaction only (its isolation is named in its BEGIN). */
export function transactionSettings(settings: Pick<SessionSettings, 'lockTimeoutMs'>): Record<string, string> {
  return { lock_timeout: `${settings.lockTimeoutMs}ms` };
}

export async function availableMigrations(): Promise<AvailableMigration[]> {
  return (await loadMigrations()).map(({ name, migration }) => ({ name, description: migration.description }));
}

export interface Situation {
  available: AvailableMigration[];
  bookkeeping: BookkeepingState;
  plan: MigrationPlan;
}

export async function readSituation(
  db: Queryable,
  names: { migrationsSchema: string; migrationsTable: string },
  connection: ConnectionTarget,
): Promise<Situation> {
  const available = await availableMigrations();
  let bookkeeping: BookkeepingState;
  try {
    bookkeeping = await readBookkeeping(db, names.migrationsSchema, names.migrationsTable);
  } catch (error) {
    throw translatePgError(error, { connection, action: 'reading the migrations table' });
  }
  return {
    available,
    bookkeeping,
    plan: planMigrations(
      available,
      bookkeeping.applied.map((m) => m.name),
    ),
  };
}

/** State problems of the bookkeeping that forbid changing anything. */
export function assertPlanUsable(plan: MigrationPlan, table: string): void {
  if (plan.unknownApplied.length > 0) {
    throw new PreflightError(
      `preflight failed: the migrations table ${table} records migration(s) this version of aibridge-migrate does not ship: ${plan.unknownApplied.join(', ')}.`,
      {
        hint: 'A newer aibridge-migrate has run against this database: use that version (or newer).',
        details: { unknown_applied: plan.unknownApplied },
      },
    );
  }
  if (plan.orderProblem) {
    throw new PreflightError(`preflight failed: ${plan.orderProblem}.`, {
      hint: `Inspect ${table}; a row was probably deleted or inserted by hand.`,
    });
  }
}
