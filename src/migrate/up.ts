/**
 * `up`: apply every pending migration, each in its own transaction, under a short
 * lock_timeout, retrying with backoff while a lock is refused.
 */
import { coderAfter, coderRecorder, type CoderReport } from '../coder/migrate-steps.js';
import { worstCaseWaitMs } from '../retry-policy.js';
import { lockBudgetError, migrateWithLockRetries, upPreflight, withMigrationSession, type UpDownReport } from './up-down.js';
import { lockRetryPolicy } from './lock-retry-policy.js';
import type { MigrateDeps } from './deps.js';
import type { MigrationEvent } from './loader.js';
import type { UpSettings } from './options.js';
import { preflightError } from './preflight.js';
import { assertPlanUsable, COLUMNS_MIGRATION, readSituation } from './session.js';

export interface AppliedStep {
  name: string;
  description: string;
  durationMs: number | null;
}

export interface UpResult extends UpDownReport {
  command: 'up';
  dryRun: false;
  /** Applied by this run, in order. */
  applied: AppliedStep[];
  /** Already applied before this run. */
  alreadyApplied: string[];
  /** Coder's migration runner: where it stands and what this run did about it. */
  coder: CoderReport;
}

export async function runUp(settings: UpSettings, deps: MigrateDeps): Promise<UpResult> {
  const started = deps.clock.now();
  const database = settings.connection.label;
  return withMigrationSession(settings, deps, 'up', 'applying migrations', async (client) => {
    const bookkeepingTable = `${settings.migrationsSchema}.${settings.migrationsTable}`;
    const before = await readSituation(client, settings, settings.connection);
    assertPlanUsable(before.plan, bookkeepingTable);
    const pendingNames = before.plan.pending.map((m) => m.name);
    const { checks, coder } = await upPreflight(client, settings, pendingNames);
    const failure = preflightError(checks);
    if (failure) throw failure;
    const alreadyApplied = before.bookkeeping.applied.map((m) => m.name);
    if (pendingNames.length === 0) {
      const coderNow = await coderAfter(client, coder, alreadyApplied.includes(COLUMNS_MIGRATION), null);
      return {
        command: 'up',
        dryRun: false,
        database,
        applied: [],
        alreadyApplied,
        coder: coderNow,
        preflight: checks,
        lockWaits: [],
        attempts: 0,
        elapsedMs: deps.clock.now() - started,
      };
    }
    deps.log.info(
      `applying ${pendingNames.length} migration(s) on ${database} (lock_timeout ${settings.lockTimeoutMs} ms, up to ${settings.lockRetries} retries, at most ~${Math.ceil(worstCaseWaitMs(lockRetryPolicy(settings), settings.lockTimeoutMs) / 1000)} s waiting on locks)`,
    );

    const durations = new Map<string, number>();
    const onMigrated = (event: MigrationEvent) => {
      durations.set(event.name, event.durationMs);
      deps.log.info(`applied ${event.name} (${Math.round(event.durationMs)} ms)`);
    };
    const recorder = coderRecorder(settings.coderMigration);
    const outcome = await migrateWithLockRetries(client, settings, deps, {
      direction: 'up',
      context: { coder: recorder.settings },
      onMigrated,
    });
    const after = await readSituation(client, settings, settings.connection);
    // Ours: bodies that ran in this process and whose rows are now recorded. Not a diff of
    // the bookkeeping table, which would also count what a concurrent `up` applied meanwhile.
    const appliedNow = after.bookkeeping.applied.map((m) => m.name).filter((name) => durations.has(name));
    if (outcome.status === 'exhausted') {
      throw lockBudgetError({
        waits: outcome.waits,
        attempts: outcome.attempts,
        lockTimeoutMs: settings.lockTimeoutMs,
        appliedNow,
        verb: 'applied',
        cause: outcome.lastError,
      });
    }
    const byName = new Map(after.available.map((m) => [m.name, m.description]));
    const applied = after.bookkeeping.applied.map((m) => m.name);
    // What the columns migration did about Coder counts only if its transaction committed.
    const coderNow = await coderAfter(
      client,
      coder,
      applied.includes(COLUMNS_MIGRATION),
      appliedNow.includes(COLUMNS_MIGRATION) ? recorder.outcome() : null,
    );
    return {
      command: 'up',
      dryRun: false,
      database,
      applied: appliedNow.map((name) => ({ name, description: byName.get(name) ?? '', durationMs: durations.get(name) ?? null })),
      alreadyApplied,
      coder: coderNow,
      preflight: checks,
      lockWaits: outcome.waits,
      attempts: outcome.attempts,
      elapsedMs: deps.clock.now() - started,
    };
  });
}
