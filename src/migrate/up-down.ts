/**
 * What `up` and `down` share: their session, their preflight, and running node-pg-migrate under
 * the lock-retry budget (a short lock_timeout per attempt, retried with backoff while a lock is
 * refused), with the error that names the blockers once the budget is spent.
 */
import type pg from 'pg';
import { coderUpPreflight, readCoder, type CoderRead } from '../coder/migrate-steps.js';
import { CODER_MIGRATION_LOCK_KEY, CODER_MIGRATIONS_TABLE } from '../coder/constants.js';
import { coderLockHolders } from '../coder/lock.js';
import { LockTimeoutError } from '../errors.js';
import { applySessionSettings } from '../db/connect.js';
import { translatePgError } from '../db/pg-errors.js';
import { requireOneServerSession, sessionCheck } from '../db/pooler/require-session.js';
import { lockRetryPolicy } from './lock-retry-policy.js';
import type { LockHolder } from '../db/lock-holders.js';
import { migrationLockHolders, tableLockHolders } from './blockers.js';
import type { Queryable } from '../db/port.js';
import { LEDGER_RANGES, LEDGER_RUNS, TOKEN_USAGES } from '../names.js';
import type { MigrateDeps } from './deps.js';
import { lockWaitJson, withLockRetries, type LockConflictKind, type LockRetryOutcome, type LockWait } from './lock-retry.js';
import type { MigrationEvent } from './loader.js';
import type { MigrationContext } from './migration.js';
import type { UpSettings } from './options.js';
import { evaluatePreflight, readPreflightFacts, type PreflightCheck, type PreflightNeeds } from './preflight.js';
import { runMigrations } from './runner.js';
import { COLUMNS_MIGRATION, LEDGER_MIGRATION, openSession, sessionSettings, transactionSettings } from './session.js';

/** The settings `up` and `down` have in common. */
export type UpDownSettings = Pick<
  UpSettings,
  | 'connection'
  | 'lockTimeoutMs'
  | 'lockRetries'
  | 'lockRetryDelayMs'
  | 'schema'
  | 'stateSchema'
  | 'migrationsSchema'
  | 'migrationsTable'
  | 'coderMigration'
  | 'poolerOk'
>;

/** What `up` and `down` report besides their own outcome. */
export interface UpDownReport {
  database: string;
  preflight: PreflightCheck[];
  lockWaits: LockWait[];
  attempts: number;
  elapsedMs: number;
}

export function needsFor(names: readonly string[], direction: 'up' | 'down'): PreflightNeeds {
  return {
    write: names.length > 0,
    alterTable: names.includes(COLUMNS_MIGRATION),
    createInStateSchema: direction === 'up' && names.includes(LEDGER_MIGRATION),
  };
}

/** The preflight checks for running `migrations` in `direction`. */
export async function preflightChecks(
  db: Queryable,
  settings: Pick<UpDownSettings, 'schema' | 'stateSchema' | 'migrationsSchema' | 'migrationsTable'>,
  migrations: readonly string[],
  direction: 'up' | 'down',
): Promise<PreflightCheck[]> {
  const names = {
    appSchema: settings.schema,
    stateSchema: settings.stateSchema,
    migrationsSchema: settings.migrationsSchema,
    migrationsTable: settings.migrationsTable,
  };
  return evaluatePreflight(await readPreflightFacts(db, names), needsFor(migrations, direction), names);
}

/**
 * `up`'s preflight, and its dry run's: the checks, with Coder's line (coder_version) when the
 * columns migration is pending; and what was read about Coder.
 */
export async function upPreflight(
  db: Queryable,
  settings: Pick<UpDownSettings, 'schema' | 'stateSchema' | 'migrationsSchema' | 'migrationsTable' | 'coderMigration'>,
  pending: readonly string[],
): Promise<{ checks: PreflightCheck[]; coder: CoderRead }> {
  const checks = await preflightChecks(db, settings, pending, 'up');
  const coder = await readCoder(db, settings.schema, settings.coderMigration);
  const coderCheck = coderUpPreflight(coder, pending.includes(COLUMNS_MIGRATION));
  if (coderCheck) checks.push({ check: 'coder_version', ...coderCheck });
  return { checks, coder };
}

/** Who is in the way: the tables our migrations lock, or the holder of our or Coder's migration lock. */
export function blockerFinder(db: Queryable, settings: { schema: string; stateSchema: string }) {
  return async (kind: LockConflictKind): Promise<LockHolder[]> => {
    if (kind === 'migration_lock') return migrationLockHolders(db);
    if (kind === 'coder_lock') return coderLockHolders(db);
    // One after another: they share the migration session's connection.
    const found: LockHolder[] = [];
    // Coder's schema_migrations too: the hand-over's TRUNCATE waits for its readers.
    for (const [schema, table] of [
      [settings.schema, TOKEN_USAGES],
      [settings.schema, CODER_MIGRATIONS_TABLE],
      [settings.stateSchema, LEDGER_RUNS],
      [settings.stateSchema, LEDGER_RANGES],
    ] as const) {
      found.push(...(await tableLockHolders(db, schema, table)));
    }
    const seen = new Set<number>();
    return found.filter((b) => !seen.has(b.pid) && seen.add(b.pid));
  };
}

/** The error when the retry budget is spent; names the blockers and what was (not) applied. */
export function lockBudgetError(options: {
  waits: LockWait[];
  attempts: number;
  lockTimeoutMs: number;
  appliedNow: string[];
  verb: 'applied' | 'reverted';
  cause: unknown;
}): LockTimeoutError {
  const last = options.waits.at(-1);
  const blockers = last?.blockers ?? [];
  const who =
    blockers.length > 0
      ? blockers.map((b) => `pid ${b.pid} (${b.applicationName || 'no application_name'}, ${b.state ?? 'unknown state'})`).join(', ')
      : 'a session that had ended when we looked';
  const what =
    last?.kind === 'migration_lock'
      ? `another aibridge-migrate up/down held the migration lock through ${options.attempts} attempt(s)`
      : last?.kind === 'coder_lock'
        ? `Coder's migration lock (advisory key ${CODER_MIGRATION_LOCK_KEY}) was not granted in ${options.attempts} attempt(s) of lock_timeout ${options.lockTimeoutMs} ms: a Coder server is applying its migrations`
        : `the lock on the table was not granted in ${options.attempts} attempt(s) of lock_timeout ${options.lockTimeoutMs} ms`;
  const done =
    options.appliedNow.length > 0
      ? `Migrations ${options.verb} before the wait stay ${options.verb}: ${options.appliedNow.join(', ')}; the one that waited was rolled back.`
      : `Nothing was ${options.verb}.`;
  return new LockTimeoutError(`${what}; blocked by ${who}. ${done}`, {
    hint:
      last?.kind === 'migration_lock'
        ? 'Wait for the other run to finish (or find it: SELECT * FROM pg_stat_activity WHERE pid = <pid>), then run the command again.'
        : last?.kind === 'coder_lock'
          ? "Let the Coder server finish starting (its migrations run in one transaction), then run the command again: it reads Coder's new version and decides again. Do not terminate a migrating Coder server; allow more time with --lock-retries / --lock-retry-delay instead."
          : 'A long transaction holds the table (often "idle in transaction"). Let it finish, or end it with SELECT pg_terminate_backend(<pid>), then run the command again; or allow more time with --lock-retries / --lock-retry-delay. Raising --lock-timeout makes application queries queue longer behind the ALTER.',
    cause: options.cause,
    details: { attempts: options.attempts, lock_waits: options.waits.map(lockWaitJson), [options.verb]: options.appliedNow },
  });
}

/**
 * Runs `work` on a migration session (named after `command` in pg_stat_activity): first the
 * check that the connection keeps one server session (exit 10 behind a transaction-mode pooler,
 * unless --pooler-ok), then lock_timeout and READ COMMITTED for the session — only on a
 * session of its own, where they cannot stay behind for another client. A database error comes
 * out translated, and the session is always closed.
 */
export async function withMigrationSession<T>(
  settings: UpDownSettings,
  deps: MigrateDeps,
  command: 'up' | 'down',
  action: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await openSession(settings, deps, command);
  try {
    const check = {
      command,
      poolerOk: settings.poolerOk,
      target: settings.connection,
      runtime: deps,
      open: deps.connect,
    };
    const verdict = await requireOneServerSession(client, sessionCheck(client, check));
    if (verdict.kind === 'session') await applySessionSettings(client, sessionSettings(settings));
    return await work(client);
  } catch (error) {
    throw translatePgError(error, { connection: settings.connection, action });
  } finally {
    await client.end().catch(() => {});
  }
}

/** node-pg-migrate in `direction`, each attempt under lock_timeout, retried while a lock is refused. */
export async function migrateWithLockRetries(
  client: pg.Client,
  settings: UpDownSettings,
  deps: MigrateDeps,
  run: {
    direction: 'up' | 'down';
    count?: number;
    context: Omit<MigrationContext, 'appSchema' | 'stateSchema' | 'notice'>;
    onMigrated: (event: MigrationEvent) => void;
  },
): Promise<LockRetryOutcome<{ name: string }[]>> {
  return withLockRetries(
    () =>
      runMigrations({
        client,
        direction: run.direction,
        ...(run.count !== undefined ? { count: run.count } : {}),
        context: { appSchema: settings.schema, stateSchema: settings.stateSchema, ...run.context, notice: (m) => deps.log.warn(m) },
        migrationsSchema: settings.migrationsSchema,
        migrationsTable: settings.migrationsTable,
        local: transactionSettings(settings),
        log: (m) => deps.log.debug(`node-pg-migrate: ${m}`),
        warn: (m) => deps.log.warn(m),
        migrated: { clock: deps.clock, report: run.onMigrated },
      }),
    {
      policy: lockRetryPolicy(settings),
      random: deps.random,
      sleep: deps.sleep,
      findBlockers: blockerFinder(client, settings),
      onWait: (_wait, summary) => deps.log.warn(summary),
    },
  );
}
