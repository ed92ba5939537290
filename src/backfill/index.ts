/**
 * The programmatic API of the backfill, for deploy scripts:
 *
 *   import { runBackfill } from 'aibridge-migrate';   // re-exported from src/index.ts
 *   const result = await runBackfill({ databaseUrl: process.env.DATABASE_URL, targetBatchMs: 150 });
 *   if (result.status !== 'completed') throw new Error(`backfill ${result.status}`);
 *   console.log(result.summary.rowsUpdated);
 *
 * Bad options reject with a UsageError before anything connects, as with every entry point
 * (src/config/resolve.ts, resolveSettings). Once running it never throws for an expected
 * failure: a lost database, another runner — each comes back as `{ status: 'failed', error }`
 * with the error's code and hint.
 */
import os from 'node:os';
import type pg from 'pg';
import { resolveSettings, settingsOrThrow } from '../config/resolve.js';
import { applySessionSettings, connect } from '../db/connect.js';
import { translatePgError } from '../db/pg-errors.js';
import { REACH_HELPERS, onServerSession } from '../db/pooler/reach-session.js';
import { HELPER_WAIT_MS, requireOneServerSession, sessionCheck } from '../db/pooler/require-session.js';
import type { SessionVerdict } from '../db/pooler/verdict.js';
import { withSession } from '../db/port.js';
import { preparingStatements } from '../db/prepared-statements.js';
import { keepSessionLocks } from '../db/session-locks.js';
import type { ToolkitError } from '../errors.js';
import { systemRuntime, type Runtime } from '../runtime.js';
import { executeDryRun } from './dry-run.js';
import { backfillSchema, idleInTransactionTimeoutMs, type BackfillConfig, type BackfillInput } from './options.js';
import type { BackfillResult } from './result.js';
import type { BackfillDeps } from './run/context.js';
import { executeBackfill } from './run/coordinator.js';
import { BACKFILL_APPLICATION_NAME } from './run/health.js';

export type { BackfillResult } from './result.js';
export type { BackfillSummary } from './summary.js';
export type { BackfillEvent } from './events.js';
export type { DryRunReport, DryRunGroup, DryRunAnomalyClass } from './result.js';
export type { BackfillDeps } from './run/context.js';
export type { BackfillConfig, BackfillInput, BackfillOptions } from './options.js';
export { backfillSchema, backfillShape } from './options.js';
export { eventJson } from './events.js';
export { jsonLinesSink, textSink } from './output/progress.js';
export { formatResult, formatDryRun, formatSummary } from './output/format.js';
export { resumeCommandLine, resumeHint } from './resume-command.js';

export { BACKFILL_APPLICATION_NAME };

/** The deps a caller gave, without the keys it left undefined. */
function given(deps: Partial<BackfillDeps>): Partial<BackfillDeps> {
  return Object.fromEntries(Object.entries(deps).filter(([, value]) => value !== undefined)) as Partial<BackfillDeps>;
}

/**
 * The backfill's own connections. Each keeps a book of its session locks and releases them
 * itself before it closes (src/db/session-locks.ts). On a connection that is its own server
 * session, idle_in_transaction_session_timeout is set for the session: a runner stopped
 * (SIGSTOP, a hung host) inside a batch must not hold row locks for ever; and its statements are
 * prepared once, not planned at every step (src/db/prepared-statements.ts). Through a
 * transaction-mode pooler (--pooler-ok) neither: a setting would stay with a pooled server
 * connection that other clients use next, and a prepared statement would be missing from the
 * server connection the next statement gets.
 */
function defaultDeps(
  config: BackfillConfig,
  runtime: Runtime,
  overrides: Partial<BackfillDeps>,
  { verdict, spare }: CheckedSession,
): BackfillDeps {
  const ownSession = verdict.kind === 'session';
  const settings: Record<string, string> = ownSession
    ? { idle_in_transaction_session_timeout: String(idleInTransactionTimeoutMs(config.statementTimeoutMs)) }
    : {};
  const deps: BackfillDeps = {
    ...runtime,
    connect: async () => {
      const client = await (spare.take(settings) ??
        connect({ target: config.connection, runtime: deps, applicationName: BACKFILL_APPLICATION_NAME, settings }));
      return keepSessionLocks(ownSession ? preparingStatements(client) : client, {
        warn: (message) => deps.log.warn(message),
        debug: (message) => deps.log.debug(message),
        sessionOutlivesConnection: !ownSession,
        reach: ownSession
          ? undefined
          : (pid, work) =>
              onServerSession(pid, work, {
                connect: () =>
                  connect({ target: config.connection, runtime: deps, applicationName: `${BACKFILL_APPLICATION_NAME} (unlock)` }),
                maxHelpers: REACH_HELPERS,
                waitMs: HELPER_WAIT_MS,
                sleep: deps.sleep,
              }),
      });
    },
    sink: () => {},
    signal: new AbortController().signal,
    host: os.hostname(),
    pid: process.pid,
    resumeCommand: 'aibridge-migrate backfill',
    ...overrides,
  };
  return deps;
}

/**
 * The run with /metrics served while it lasts (--metrics-port), fed by its events, and for
 * --metrics-linger after it ends so that a scrape sees the final values.
 */
async function withMetrics(config: BackfillConfig, deps: BackfillDeps, run: (deps: BackfillDeps) => Promise<BackfillResult>) {
  if (config.metricsPort === undefined) return run(deps);
  const [{ backfillMetrics }, { serveMetrics }] = await Promise.all([import('./output/metrics.js'), import('../metrics/server.js')]);
  const metrics = backfillMetrics({ maxRowsPerSecond: config.maxRowsPerSecond ?? null, clock: deps.clock });
  const server = await serveMetrics(metrics.registry, { host: config.metricsHost, port: config.metricsPort });
  deps.log.info(`metrics: ${server.url}`);
  try {
    const result = await run({
      ...deps,
      sink: (event) => {
        metrics.sink(event);
        deps.sink(event);
      },
    });
    if (config.metricsLingerMs > 0 && !deps.signal.aborted) {
      deps.log.info(`metrics: serving the final values for ${config.metricsLingerMs} ms (a signal ends this early)`);
      await deps.sleep(config.metricsLingerMs, deps.signal);
    }
    return result;
  } finally {
    await server.close();
  }
}

/** A connection with nothing set for the session, for the dry run and the session check. */
function bareConnection(config: BackfillConfig, runtime: Runtime): Promise<pg.Client> {
  return connect({ target: config.connection, runtime, applicationName: BACKFILL_APPLICATION_NAME });
}

interface CheckedSession {
  verdict: SessionVerdict;
  /** The checked connection, for the run's first session. */
  spare: Spare;
}

/**
 * The checked connection, kept for the run's first connect when it is its own server session:
 * a re-run of a finished backfill lasts about a second, and a connection (a TCP handshake, the
 * TLS attempt of sslmode=prefer, authentication, a new backend) is a few percent of it. The
 * probe only read, in READ ONLY transactions, so the session is as fresh as a new one.
 */
interface Spare {
  /** The connection with `settings` applied, once; null after that or when there is none. */
  take(settings: Record<string, string>): Promise<pg.Client> | null;
  /** Closes it if the run never took it (a caller's own connect, a failure before the first connect). */
  close(): Promise<void>;
}

function spareOf(client: pg.Client | null): Spare {
  let kept = client;
  return {
    take(settings) {
      if (kept === null) return null;
      const taken = kept;
      kept = null;
      return applySessionSettings(taken, settings).then(
        () => taken,
        async (error: unknown) => {
          await taken.end().catch(() => {});
          throw error;
        },
      );
    },
    async close() {
      await kept?.end().catch(() => {});
      kept = null;
    },
  };
}

/** The preflight step of src/db/pooler on a connection of its own (see Spare). */
async function checkSession(config: BackfillConfig, runtime: Runtime): Promise<CheckedSession> {
  const client = await bareConnection(config, runtime);
  let kept = false;
  try {
    const check = { command: 'backfill', poolerOk: config.poolerOk, target: config.connection, runtime };
    const verdict = await requireOneServerSession(client, sessionCheck(client, check));
    // Through a pooler the next client may get another server session: nothing is kept.
    kept = verdict.kind === 'session';
    return { verdict, spare: spareOf(kept ? client : null) };
  } finally {
    if (!kept) await client.end().catch(() => {});
  }
}

function failed(error: ToolkitError): BackfillResult {
  return { status: 'failed', error, runId: null, summary: null, resumeCommand: null };
}

/**
 * Runs (or, with dryRun, previews) the backfill with options already validated. A run first
 * checks that the connection keeps one server session (exit 10 behind a transaction-mode
 * pooler, unless --pooler-ok), before it takes any lock or sets anything.
 */
export async function backfillWithConfig(config: BackfillConfig, deps: Partial<BackfillDeps> = {}): Promise<BackfillResult> {
  const label = { connection: config.connection };
  const overrides = given(deps);
  const runtime = systemRuntime(overrides);
  if (config.dryRun) {
    try {
      // One snapshot, read in short READ ONLY transactions (src/scan): it works through any pooler.
      const connector = overrides.connect ?? (() => bareConnection(config, runtime));
      const report = await withSession(connector, (session) =>
        executeDryRun(session, config, {
          connect: connector,
          clock: runtime.clock,
          log: runtime.log,
          ...(overrides.scanSink ? { sink: overrides.scanSink } : {}),
        }),
      );
      return { status: 'dry-run', report };
    } catch (error) {
      return failed(translatePgError(error, { ...label, action: 'running --dry-run' }));
    }
  }
  let checked: CheckedSession;
  try {
    checked = await checkSession(config, runtime);
  } catch (error) {
    return failed(translatePgError(error, { ...label, action: 'checking the connection' }));
  }
  try {
    return await withMetrics(config, defaultDeps(config, runtime, overrides, checked), (d) => executeBackfill(config, d, label));
  } finally {
    await checked.spare.close();
  }
}

/**
 * Validates raw options (the same names and rules as the CLI flags, camelCase) and runs the
 * backfill. `deps` replaces the I/O: a progress sink, an AbortSignal to stop it cleanly, …
 * An expected failure (a lost database, another runner) comes back as `{ status: 'failed',
 * error }` with the error's code and hint.
 *
 * @example
 *   import { runBackfill } from 'aibridge-migrate';
 *   const result = await runBackfill({ databaseUrl: process.env.DATABASE_URL, targetBatchMs: 150 });
 *   if (result.status !== 'completed') throw new Error(`backfill ${result.status}`);
 *   console.log(result.summary.rowsUpdated);
 */
export async function runBackfill(
  rawOptions: BackfillInput | Record<string, unknown>,
  deps: Partial<BackfillDeps> = {},
): Promise<BackfillResult> {
  return backfillWithConfig(settingsOrThrow(await resolveSettings(backfillSchema, { from: 'api', given: rawOptions })), deps);
}
