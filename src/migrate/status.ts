/**
 * `status`: which migrations are applied (and when) and which are pending, the latest backfill
 * run per direction once the ledger exists — for a run not finished, how far it got and which
 * processes hold it — Coder's migration version with what up/down do about it, and whether a
 * pipeline may go on (`--check`). Reads only.
 */
import { runStandings, type RunLockSession, type RunProgress } from '../backfill/status.js';
import type { RecordedWait } from '../ledger/waits.js';
import type { ControlEntry, RunControl } from '../ledger/control.js';
import { runsTableLabel } from '../ledger/runs.js';
import { coderReport, readCoder, type CoderReport } from '../coder/migrate-steps.js';
import { translatePgError } from '../db/pg-errors.js';
import { judgeServerVersion, readServerVersion, type ServerSupport, type ServerVersion } from '../db/server-version.js';
import { tables, target } from '../names.js';
import type { MigrateDeps } from './deps.js';
import type { StatusSettings } from './options.js';
import { COLUMNS_MIGRATION, openSession, readSituation, transactionSettings } from './session.js';
import type { Queryable } from '../db/port.js';
import { withTransaction } from '../db/transaction.js';

export type { RunLockSession, RunProgress, RangeClaim } from '../backfill/status.js';
export type { RecordedWait } from '../ledger/waits.js';

export interface BackfillRunSummary {
  id: number;
  direction: string;
  status: string;
  startedAt: Date;
  /** Last checkpoint. */
  updatedAt: Date;
  finishedAt: Date | null;
  rowsScanned: number;
  rowsUpdated: number;
  /** Eligible rows the last pass left (completed runs); null when not counted. */
  unconvergedRows: number | null;
  lastError: string | null;
  /** For a run not finished (running, interrupted, failed); null otherwise. */
  progress: RunProgress | null;
  /** Processes working the run now (none: it is not being worked). */
  holders: RunLockSession[];
  /** What a running run waits for now (a lagging standby, sessions waiting on its locks); null when it goes on. */
  waiting: RecordedWait | null;
  /** pause / cancel / throttle state; null on a ledger older than the control columns. */
  control: RunControl | null;
  /** Who changed the control, newest first. */
  controlLog: ControlEntry[];
}

export interface Readiness {
  /** Every migration applied, and the latest forward run completed with no eligible row left. */
  ready: boolean;
  /** One entry per thing missing, each saying what to run. */
  missing: string[];
}

/** The server's version and what aibridge-migrate says about it (a warning on 13, never an error). */
export interface StatusServer {
  version: ServerVersion;
  support: ServerSupport['status'];
  /** One line for an operator (end of life, newer than tested, too old), or null. */
  warning: string | null;
}

export interface StatusResult {
  command: 'status';
  database: string;
  server: StatusServer;
  migrationsTable: string;
  migrationsTableExists: boolean;
  applied: { name: string; description: string | null; runOn: Date }[];
  pending: { name: string; description: string }[];
  /** Latest run per direction; null when the ledger does not exist (ledger migration pending). */
  backfill: { ledger: string; latestRuns: BackfillRunSummary[] } | null;
  readiness: Readiness;
  /** Coder's migration runner: its version, and what up / down do about it. */
  coder: CoderReport;
}

/** What status says about the server's version (pure): a version preflight would refuse is still only reported here. */
export function statusServer(version: ServerVersion): StatusServer {
  const support = judgeServerVersion(version);
  const warning = support.status === 'unsupported' ? `${support.problem} ${support.fix}` : support.warning;
  return { version, support: support.status, warning };
}

/** What keeps a pipeline from going on (pure). */
export function judgeReadiness(pending: StatusResult['pending'], backfill: StatusResult['backfill']): Readiness {
  const missing: string[] = [];
  if (pending.length > 0)
    missing.push(`${pending.length} migration(s) pending (${pending.map((m) => m.name).join(', ')}): run \`aibridge-migrate up\``);
  const forward = backfill?.latestRuns.find((r) => r.direction === 'forward');
  if (backfill === null) {
    if (pending.length === 0) missing.push('the backfill ledger does not exist (check --state-schema)');
  } else if (!forward) {
    missing.push('no backfill has run yet: run `aibridge-migrate backfill`');
  } else if (forward.status !== 'completed') {
    const where = forward.progress
      ? ` at ${Math.floor(forward.progress.fraction * 100)}% of ${forward.progress.pass === 0 ? 'the first pass' : `convergence sweep ${forward.progress.pass}`}`
      : '';
    const paused = forward.control?.state === 'paused';
    const by = paused ? forward.controlLog.find((e) => e.command === 'pause') : undefined;
    const pausedBy = by ? ` by ${by.role}${by.host ? ` on ${by.host}` : ''} at ${by.at.toISOString()}` : '';
    missing.push(
      paused
        ? `backfill run #${forward.id} is paused${pausedBy}${where}: run \`aibridge-migrate resume\` to continue it`
        : forward.status === 'running' && forward.holders.length > 0
          ? `backfill run #${forward.id} is still running${where}${forward.waiting ? `, waiting: ${forward.waiting.detail}` : ''}`
          : `backfill run #${forward.id} is ${forward.status}${where}: run \`aibridge-migrate backfill\` to ${forward.status === 'abandoned' ? 'start a new one' : 'resume it'}`,
    );
  } else if ((forward.unconvergedRows ?? 0) > 0) {
    missing.push(
      `backfill run #${forward.id} completed with ${forward.unconvergedRows} eligible row(s) left (written behind its walk): run \`aibridge-migrate backfill\` again`,
    );
  }
  return { ready: missing.length === 0, missing };
}

export async function runStatus(settings: StatusSettings, deps: MigrateDeps): Promise<StatusResult> {
  const client = await openSession(settings, deps, 'status');
  try {
    // One READ ONLY transaction with its own lock_timeout: nothing is set for the session, so
    // behind a transaction-mode pooler every read stays on one server session and nothing stays behind.
    return await withTransaction(client, (db) => readStatus(db, settings), { mode: 'read-only', local: transactionSettings(settings) });
  } catch (error) {
    throw translatePgError(error, { connection: settings.connection, action: 'reading migration status' });
  } finally {
    await client.end().catch(() => {});
  }
}

async function readStatus(db: Queryable, settings: StatusSettings): Promise<StatusResult> {
  const server = statusServer(await readServerVersion(db));
  const { available, bookkeeping, plan } = await readSituation(db, settings, settings.connection);
  const descriptions = new Map(available.map((m) => [m.name, m.description]));
  const standings = await runStandings(db, tables(settings.schema, settings.stateSchema), target(settings.schema), settings.stateSchema);
  const backfill: StatusResult['backfill'] =
    standings === null
      ? null
      : {
          ledger: runsTableLabel(settings.stateSchema),
          latestRuns: standings.map(({ run, progress, holders, waiting, control, controlLog }) => ({
            id: run.id,
            direction: run.direction,
            status: run.status,
            startedAt: run.startedAt,
            updatedAt: run.updatedAt,
            finishedAt: run.finishedAt,
            rowsScanned: run.rowsScanned,
            rowsUpdated: run.rowsUpdated,
            unconvergedRows: run.unconvergedRows,
            lastError: run.lastError,
            progress,
            holders,
            waiting,
            control,
            controlLog,
          })),
        };
  return {
    command: 'status',
    database: settings.connection.label,
    server,
    migrationsTable: `${settings.migrationsSchema}.${settings.migrationsTable}`,
    migrationsTableExists: bookkeeping.exists,
    applied: bookkeeping.applied.map((m) => ({ name: m.name, description: descriptions.get(m.name) ?? null, runOn: m.runOn })),
    pending: plan.pending,
    backfill,
    readiness: judgeReadiness(plan.pending, backfill),
    coder: coderReport({
      ...(await readCoder(db, settings.schema, settings.coderMigration)),
      columnsApplied: bookkeeping.applied.some((m) => m.name === COLUMNS_MIGRATION),
    }),
  };
}
