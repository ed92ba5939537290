/**
 * The programmatic API of the backfill, for deploy scripts:
 *
 *   import { runBackfill } from 'aibridge-migrate';   // re-exported from src/index.ts
 *   const result = await runBackfill({ databaseUrl: process.env.DATABASE_URL, targetBatchMs: 150 });
 *   if (result.status !== 'completed') throw new Error(`backfill ${result.status}`);
 *   console.log(result.summary.rowsUpdated);
 *
 * Bad options reject with a UsageError before anything connects, as with every entry point
 * (src/config/resolve.ts, resolveApiOptions). Once running it never throws for an expected
 * failure: a lost database, another runner — each comes back as `{ status: 'failed', error }`
 * with the error's code and hint.
 */
import os from 'node:os';
import { resolveApiOptions } from '../config/resolve.js';
import { connect } from '../db/connect.js';
import { translatePgError } from '../db/pg-errors.js';
import { withSession } from '../db/port.js';
import { systemRuntime } from '../runtime.js';
import { executeDryRun } from './dry-run.js';
import { backfillSchema, type BackfillConfig, type BackfillInput } from './options.js';
import type { BackfillResult } from './result.js';
import type { BackfillDeps } from './run/context.js';
import { executeBackfill } from './run/coordinator.js';
import { BACKFILL_APPLICATION_NAME } from './run/health.js';

export type { BackfillResult } from './result.js';
export type { BackfillSummary } from './summary.js';
export type { BackfillEvent } from './events.js';
export type { DryRunReport, DryRunGroup, DryRunAnomalyClass } from './dry-run.js';
export type { BackfillDeps } from './run/context.js';
export type { BackfillConfig, BackfillInput, BackfillOptions } from './options.js';
export { backfillSchema, backfillShape } from './options.js';
export { eventJson } from './events.js';
export { jsonLinesSink, textSink } from './output/progress.js';
export { formatResult, formatDryRun, formatSummary } from './output/format.js';
export { resumeCommand } from './resume-command.js';

export { BACKFILL_APPLICATION_NAME };

function defaultDeps(config: BackfillConfig, given: Partial<BackfillDeps>): BackfillDeps {
  return {
    ...systemRuntime(),
    connect: () =>
      connect({
        target: config.connection,
        applicationName: BACKFILL_APPLICATION_NAME,
        // A runner stopped (SIGSTOP, a hung host) inside a batch must not hold row locks
        // for ever: the server ends a transaction left idle this long.
        settings: { idle_in_transaction_session_timeout: String(Math.max(60_000, config.statementTimeout * 2)) },
      }),
    sink: () => {},
    signal: new AbortController().signal,
    host: os.hostname(),
    pid: process.pid,
    resumeCommand: 'aibridge-migrate backfill',
    ...(Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as Partial<BackfillDeps>),
  };
}

/** Runs (or, with dryRun, previews) the backfill with options already validated. */
export async function backfillWithConfig(config: BackfillConfig, given: Partial<BackfillDeps> = {}): Promise<BackfillResult> {
  const deps = defaultDeps(config, given);
  const label = { connection: config.connection };
  if (!config.dryRun) return executeBackfill(config, deps, label);
  try {
    const report = await withSession(deps.connect, (session) =>
      executeDryRun(session, config, {
        connect: deps.connect,
        clock: deps.clock,
        log: deps.log,
        ...(deps.scanSink ? { sink: deps.scanSink } : {}),
      }),
    );
    return { status: 'dry-run', report };
  } catch (error) {
    return {
      status: 'failed',
      error: translatePgError(error, { ...label, action: 'running --dry-run' }),
      runId: null,
      summary: null,
      resumeCommand: null,
    };
  }
}

/**
 * Validates raw options (the same names and rules as the CLI flags, camelCase) and runs the
 * backfill. `deps` replaces the I/O: a progress sink, an AbortSignal to stop it cleanly, …
 */
export async function runBackfill(
  rawOptions: BackfillInput | Record<string, unknown>,
  deps: Partial<BackfillDeps> = {},
): Promise<BackfillResult> {
  return backfillWithConfig(resolveApiOptions(backfillSchema, rawOptions), deps);
}
