/**
 * `status`: which migrations are applied (and when) and which are pending, plus the latest
 * backfill run per direction once the ledger exists. Reads only.
 */
import { coderReport, readCoder, type CoderReport } from '../coder/commands.js';
import { qualify } from '../db/identifier.js';
import { translatePgError } from '../db/pg-errors.js';
import type { QueryFn } from './bookkeeping.js';
import type { MigrateDeps } from './deps.js';
import type { StatusSettings } from './options.js';
import { APP_TABLE } from './preflight.js';
import { COLUMNS_MIGRATION, databaseLabel, openSession, queryOn, readSituation } from './session.js';

export interface BackfillRunSummary {
  id: number;
  direction: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  rowsScanned: number;
  rowsUpdated: number;
  lastError: string | null;
}

export interface StatusResult {
  command: 'status';
  database: string;
  migrationsTable: string;
  migrationsTableExists: boolean;
  applied: { name: string; description: string | null; runOn: Date }[];
  pending: { name: string; description: string }[];
  /** Latest run per direction; null when the ledger does not exist (ledger migration pending). */
  backfill: { ledger: string; latestRuns: BackfillRunSummary[] } | null;
  /** Coder's migration runner: its version, and what up / down do about it. */
  coder: CoderReport;
}

export async function latestBackfillRuns(query: QueryFn, stateSchema: string, appSchema: string): Promise<StatusResult['backfill']> {
  const runs = qualify(stateSchema, 'backfill_runs');
  const exists = await query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [runs]);
  if (!exists.rows[0]?.ok) return null;
  const { rows } = await query(
    `SELECT DISTINCT ON (direction) id, direction, status, started_at, finished_at, rows_scanned, rows_updated, last_error
       FROM ${runs} WHERE target_schema = $1 AND target_table = $2
      ORDER BY direction, id DESC`,
    [appSchema, APP_TABLE],
  );
  return {
    ledger: `${stateSchema}.backfill_runs`,
    latestRuns: rows.map((r) => ({
      id: Number(r.id),
      direction: r.direction,
      status: r.status,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      rowsScanned: Number(r.rows_scanned),
      rowsUpdated: Number(r.rows_updated),
      lastError: r.last_error,
    })),
  };
}

export async function runStatus(settings: StatusSettings, deps: MigrateDeps): Promise<StatusResult> {
  const client = await openSession(settings, deps, 'status');
  const query = queryOn(client);
  try {
    const { available, bookkeeping, plan } = await readSituation(query, settings, settings.databaseUrl);
    const descriptions = new Map(available.map((m) => [m.name, m.description]));
    return {
      command: 'status',
      database: databaseLabel(settings.databaseUrl),
      migrationsTable: `${settings.migrationsSchema}.${settings.migrationsTable}`,
      migrationsTableExists: bookkeeping.exists,
      applied: bookkeeping.applied.map((m) => ({ name: m.name, description: descriptions.get(m.name) ?? null, runOn: m.runOn })),
      pending: plan.pending,
      backfill: await latestBackfillRuns(query, settings.stateSchema, settings.schema),
      coder: coderReport({
        ...(await readCoder(query, settings.schema, settings.coderMigration)),
        columnsApplied: bookkeeping.applied.some((m) => m.name === COLUMNS_MIGRATION),
      }),
    };
  } catch (error) {
    throw translatePgError(error, { databaseUrl: settings.databaseUrl, action: 'reading migration status' });
  } finally {
    await client.end().catch(() => {});
  }
}
