/**
 * `up`: apply every pending migration, each in its own transaction, under a short
 * lock_timeout, retrying with backoff while a lock is refused.
 */
import { LockTimeoutError } from '../errors.js';
import { translatePgError } from '../db/pg-errors.js';
import { DEFAULT_RETRY_POLICY, worstCaseWaitMs, type RetryPolicy } from './backoff.js';
import { migrationLockHolders, tableLockHolders, type Blocker } from './blockers.js';
import type { MigrateDeps } from './deps.js';
import { withLockRetries, type LockConflictKind, type LockWait } from './lock-retry.js';
import type { MigrationEvent } from './loader.js';
import type { UpSettings } from './options.js';
import { APP_TABLE, evaluatePreflight, preflightError, readPreflightFacts, type PreflightCheck, type PreflightNeeds } from './preflight.js';
import { lockWaitJson } from './render.js';
import { runMigrations } from './runner.js';
import { assertPlanUsable, COLUMNS_MIGRATION, databaseLabel, LEDGER_MIGRATION, openSession, queryOn, readSituation } from './session.js';
import type { QueryFn } from './bookkeeping.js';

export interface AppliedStep {
  name: string;
  description: string;
  durationMs: number | null;
}

export interface UpResult {
  command: 'up';
  dryRun: false;
  database: string;
  /** Applied by this run, in order. */
  applied: AppliedStep[];
  /** Already applied before this run. */
  alreadyApplied: string[];
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

export function retryPolicy(settings: { lockRetries: number; lockRetryDelay: number }): RetryPolicy {
  return { retries: settings.lockRetries, baseDelayMs: settings.lockRetryDelay, maxDelayMs: Math.max(DEFAULT_RETRY_POLICY.maxDelayMs, settings.lockRetryDelay) };
}

/** Who is in the way: the tables our migrations lock, or the holder of the migration lock. */
export function blockerFinder(query: QueryFn, settings: { schema: string; stateSchema: string }) {
  return async (kind: LockConflictKind): Promise<Blocker[]> => {
    if (kind === 'migration_lock') return migrationLockHolders(query);
    // One after another: they share the migration session's connection.
    const found: Blocker[] = [];
    for (const [schema, table] of [[settings.schema, APP_TABLE], [settings.stateSchema, 'backfill_runs'], [settings.stateSchema, 'backfill_ranges']] as const) {
      found.push(...(await tableLockHolders(query, schema, table)));
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
  const who = blockers.length > 0 ? blockers.map((b) => `pid ${b.pid} (${b.applicationName || 'no application_name'}, ${b.state ?? 'unknown state'})`).join(', ') : 'a session that had ended when we looked';
  const what =
    last?.kind === 'migration_lock'
      ? `another aibridge-migrate up/down held the migration lock through ${options.attempts} attempt(s)`
      : `the lock on the table was not granted in ${options.attempts} attempt(s) of lock_timeout ${options.lockTimeoutMs} ms`;
  const done =
    options.appliedNow.length > 0
      ? `Migrations ${options.verb} before the wait stay ${options.verb}: ${options.appliedNow.join(', ')}; the one that waited was rolled back.`
      : `Nothing was ${options.verb}.`;
  return new LockTimeoutError(`${what}; blocked by ${who}. ${done}`, {
    hint:
      last?.kind === 'migration_lock'
        ? 'Wait for the other run to finish (or find it: SELECT * FROM pg_stat_activity WHERE pid = <pid>), then run the command again.'
        : 'A long transaction holds the table (often "idle in transaction"). Let it finish, or end it with SELECT pg_terminate_backend(<pid>), then run the command again; or allow more time with --lock-retries / --lock-retry-delay. Raising --lock-timeout makes application queries queue longer behind the ALTER.',
    cause: options.cause,
    details: { attempts: options.attempts, lock_waits: options.waits.map(lockWaitJson), [options.verb]: options.appliedNow },
  });
}

export async function runUp(settings: UpSettings, deps: MigrateDeps): Promise<UpResult> {
  const started = deps.now();
  const database = databaseLabel(settings.databaseUrl);
  const client = await openSession(settings, deps, 'up');
  const query = queryOn(client);
  try {
    const bookkeepingTable = `${settings.migrationsSchema}.${settings.migrationsTable}`;
    const before = await readSituation(query, settings, settings.databaseUrl);
    assertPlanUsable(before.plan, bookkeepingTable);
    const pendingNames = before.plan.pending.map((m) => m.name);
    const names = { appSchema: settings.schema, stateSchema: settings.stateSchema, migrationsSchema: settings.migrationsSchema, migrationsTable: settings.migrationsTable };
    const checks = evaluatePreflight(await readPreflightFacts(query, names), needsFor(pendingNames, 'up'), names);
    const failure = preflightError(checks);
    if (failure) throw failure;
    const alreadyApplied = before.bookkeeping.applied.map((m) => m.name);
    if (pendingNames.length === 0) {
      return { command: 'up', dryRun: false, database, applied: [], alreadyApplied, preflight: checks, lockWaits: [], attempts: 0, elapsedMs: deps.now() - started };
    }
    deps.log.info(`applying ${pendingNames.length} migration(s) on ${database} (lock_timeout ${settings.lockTimeout} ms, up to ${settings.lockRetries} retries, at most ~${Math.ceil(worstCaseWaitMs(retryPolicy(settings), settings.lockTimeout) / 1000)} s waiting on locks)`);

    const durations = new Map<string, number>();
    const onMigrated = (event: MigrationEvent) => {
      durations.set(event.name, event.durationMs);
      deps.log.info(`applied ${event.name} (${Math.round(event.durationMs)} ms)`);
    };
    const outcome = await withLockRetries(
      () =>
        runMigrations({
          client,
          direction: 'up',
          context: { appSchema: settings.schema, stateSchema: settings.stateSchema, notice: (m) => deps.log.warn(m) },
          migrationsSchema: settings.migrationsSchema,
          migrationsTable: settings.migrationsTable,
          log: (m) => deps.log.debug(`node-pg-migrate: ${m}`),
          onMigrated,
          now: deps.now,
        }),
      {
        policy: retryPolicy(settings),
        random: deps.random,
        sleep: deps.sleep,
        findBlockers: blockerFinder(query, settings),
        onWait: (_wait, summary) => deps.log.warn(summary),
      },
    );
    const after = await readSituation(query, settings, settings.databaseUrl);
    // Ours: bodies that ran in this process and whose rows are now recorded. Not a diff of
    // the bookkeeping table, which would also count what a concurrent `up` applied meanwhile.
    const appliedNow = after.bookkeeping.applied.map((m) => m.name).filter((name) => durations.has(name));
    if (outcome.status === 'exhausted') {
      throw lockBudgetError({ waits: outcome.waits, attempts: outcome.attempts, lockTimeoutMs: settings.lockTimeout, appliedNow, verb: 'applied', cause: outcome.lastError });
    }
    const byName = new Map(after.available.map((m) => [m.name, m.description]));
    return {
      command: 'up',
      dryRun: false,
      database,
      applied: appliedNow.map((name) => ({ name, description: byName.get(name) ?? '', durationMs: durations.get(name) ?? null })),
      alreadyApplied,
      preflight: checks,
      lockWaits: outcome.waits,
      attempts: outcome.attempts,
      elapsedMs: deps.now() - started,
    };
  } catch (error) {
    throw translatePgError(error, { databaseUrl: settings.databaseUrl, action: 'applying migrations' });
  } finally {
    await client.end().catch(() => {});
  }
}
