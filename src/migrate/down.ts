/**
 * `down`: revert the last applied migration, in its own transaction, with the same lock
 * timeout and retries as `up`. A down migration that would destroy data refuses by itself
 * (DownRefusedError), inside that transaction, so a refusal changes nothing.
 */
import type pg from 'pg';
import { assertCoderAllowsDown, coderAfter, coderRecorder, readCoder, type CoderRead, type CoderReport } from '../coder/migrate-steps.js';
import type { Queryable } from '../db/port.js';
import { PreflightError } from '../errors.js';
import { lockBudgetError, migrateWithLockRetries, preflightChecks, withMigrationSession, type UpDownReport } from './up-down.js';
import type { MigrateDeps } from './deps.js';
import type { DownSettings } from './options.js';
import { planDown, type AvailableMigration } from './plan.js';
import { preflightError, type PreflightCheck } from './preflight.js';
import { assertPlanUsable, COLUMNS_MIGRATION, readSituation } from './session.js';

export interface DownResult extends UpDownReport {
  command: 'down';
  /** The migration reverted, or null when nothing was applied. */
  reverted: { name: string; description: string; durationMs: number | null } | null;
  /** Still applied afterwards, in order. */
  stillApplied: string[];
  /** Coder's migration runner: where it stands and what this run did about it. */
  coder: CoderReport;
}

export async function runDown(settings: DownSettings, deps: MigrateDeps): Promise<DownResult> {
  const started = deps.clock.now();
  const database = settings.connection.label;
  return withMigrationSession(settings, deps, 'down', 'reverting a migration', async (client) => {
    const plan = await planRevert(client, settings);
    const coder = await readCoder(client, settings.schema, settings.coderMigration);
    if (plan.kind === 'nothing') {
      const coderNow = await coderAfter(client, coder, false, null);
      return {
        command: 'down',
        database,
        reverted: null,
        stillApplied: [],
        coder: coderNow,
        preflight: [],
        lockWaits: [],
        attempts: 0,
        elapsedMs: deps.clock.now() - started,
      };
    }
    const checks = await checkRevert(client, settings, deps, plan.migration, coder);
    const done = await revert(client, settings, deps, plan.migration, coder);
    return {
      command: 'down',
      database,
      reverted: done.reverted,
      stillApplied: done.stillApplied,
      coder: done.coder,
      preflight: checks,
      lockWaits: done.outcome.waits,
      attempts: done.outcome.attempts,
      elapsedMs: deps.clock.now() - started,
    };
  });
}

/** The last applied migration, or nothing applied; refuses one this version does not ship. */
async function planRevert(
  client: Queryable,
  settings: DownSettings,
): Promise<{ kind: 'revert'; migration: AvailableMigration } | { kind: 'nothing' }> {
  const before = await readSituation(client, settings, settings.connection);
  const appliedNames = before.bookkeeping.applied.map((m) => m.name);
  const plan = planDown(before.available, appliedNames);
  if (plan.kind === 'unknown') {
    throw new PreflightError(
      `preflight failed: the last applied migration, ${plan.name}, is not shipped by this version of aibridge-migrate, so it cannot be reverted.`,
      {
        hint: 'Run down with the aibridge-migrate version that applied it (or newer).',
      },
    );
  }
  assertPlanUsable(before.plan, `${settings.migrationsSchema}.${settings.migrationsTable}`);
  return plan;
}

/** The preflight for reverting `migration`, and Coder's say over the columns; throws what fails. */
async function checkRevert(
  client: Queryable,
  settings: DownSettings,
  deps: MigrateDeps,
  migration: AvailableMigration,
  coder: CoderRead,
): Promise<PreflightCheck[]> {
  const checks = await preflightChecks(client, settings, [migration.name], 'down');
  const failure = preflightError(checks);
  if (failure) throw failure;
  // Before --force-drop-data is even mentioned: it does not override Coder's ownership.
  if (migration.name === COLUMNS_MIGRATION) assertCoderAllowsDown(coder);
  if (settings.forceDropData)
    deps.log.warn('--force-drop-data: values that exist only in the columns will be destroyed if this migration drops them');
  deps.log.info(
    `reverting ${migration.name} on ${settings.connection.label} (lock_timeout ${settings.lockTimeoutMs} ms, up to ${settings.lockRetries} retries)`,
  );
  return checks;
}

/** Reverts `migration` under the lock-retry budget; what was reverted is read back afterwards. */
async function revert(client: pg.Client, settings: DownSettings, deps: MigrateDeps, migration: AvailableMigration, coder: CoderRead) {
  let duration: number | null = null;
  const recorder = coderRecorder(settings.coderMigration);
  const outcome = await migrateWithLockRetries(client, settings, deps, {
    direction: 'down',
    count: 1,
    context: { forceDropData: settings.forceDropData, coder: recorder.settings },
    onMigrated: (event) => {
      duration = event.durationMs;
    },
  });
  const after = await readSituation(client, settings, settings.connection);
  const stillApplied = after.bookkeeping.applied.map((m) => m.name);
  if (outcome.status === 'exhausted') {
    throw lockBudgetError({
      waits: outcome.waits,
      attempts: outcome.attempts,
      lockTimeoutMs: settings.lockTimeoutMs,
      appliedNow: [],
      verb: 'reverted',
      cause: outcome.lastError,
    });
  }
  // What node-pg-migrate reverted under its lock: another `down` may have run since our read.
  const revertedName = outcome.value[0]?.name;
  const reverted = revertedName === migration.name;
  if (reverted) deps.log.info(`reverted ${migration.name}${duration !== null ? ` (${Math.round(duration)} ms)` : ''}`);
  const coderNow = await coderAfter(
    client,
    coder,
    stillApplied.includes(COLUMNS_MIGRATION),
    reverted && revertedName === COLUMNS_MIGRATION ? recorder.outcome() : null,
  );
  return {
    reverted: reverted ? { name: migration.name, description: migration.description, durationMs: duration } : null,
    stillApplied,
    coder: coderNow,
    outcome,
  };
}
