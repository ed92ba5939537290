/**
 * `status`: which migrations are applied (and when) and which are pending, the latest backfill
 * run per direction once the ledger exists — for a run not finished, how far it got and which
 * processes hold it — and whether a pipeline may go on (`--check`). Reads only.
 */
import { keyFraction, estimateTotalRows } from '../backfill/estimate.js';
import type pg from 'pg';
import { readRun, type RunRow } from '../backfill/ledger.js';
import { runnerLockKey } from '../backfill/lock.js';
import { runKeyText } from '../backfill/claim.js';
import { tableNames } from '../backfill/sql.js';
import { qualify } from '../db/identifier.js';
import { translatePgError } from '../db/pg-errors.js';
import type { DbRow } from '../db/row.js';
import type { MigrateDeps } from './deps.js';
import type { StatusSettings } from './options.js';
import { APP_TABLE } from './preflight.js';
import { openSession, queryOn, readSituation } from './session.js';

/** A database session holding a run's advisory locks: a backfill process at work. */
export interface RunHolder {
  backendPid: number;
  clientAddr: string | null;
  applicationName: string | null;
  /** When the process connected (pg_stat_activity.backend_start). */
  since: Date | null;
  /** exclusive: the single runner; shared: a worker. */
  mode: 'exclusive' | 'shared';
  /** Where the process says it runs: the ledger's host/pid (runner) or its range claim (worker). */
  host: string | null;
  pid: number | null;
}

/** A keyed range of a workers run: who claimed it last, and whether that session still holds it. */
export interface RangeClaim {
  rangeNo: number;
  pass: number;
  claimedBy: string;
  claimedAt: Date | null;
  /** The claiming session still holds the range's advisory lock. */
  held: boolean;
}

export interface RunProgress {
  /** 0: the keyed pass; n: the n-th convergence sweep. */
  pass: number;
  /** Share of the pass's key space behind the checkpoints (keys are random UUIDs: ≈ share of rows). */
  fraction: number;
  /** Rows of the table, estimated from the rows scanned and the key space covered. */
  estimatedRows: number;
  rowsRemaining: number;
  /** Rows scanned per second of batch time (per worker, for a workers run); null before the first batch. */
  rowsPerSecond: number | null;
  ranges: { total: number; done: number };
  claims: RangeClaim[];
}

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
  holders: RunHolder[];
}

export interface Readiness {
  /** Every migration applied, and the latest forward run completed with no eligible row left. */
  ready: boolean;
  /** One entry per thing missing, each saying what to run. */
  missing: string[];
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
  readiness: Readiness;
}

interface RangeFacts {
  rangeNo: number;
  pass: number;
  lo: string | null;
  hi: string | null;
  checkpoint: string | null;
  done: boolean;
  rowsScanned: number;
  claimedBy: string | null;
  claimedAt: Date | null;
}

interface LockFacts {
  pid: number;
  mode: string;
  /** 1: the run lock (bigint key); 2: a range lock (two-int key, objid = range_no). */
  objsubid: number;
  objid: number;
  clientAddr: string | null;
  applicationName: string | null;
  backendStart: Date | null;
}

/** Share of the key space in (lo, hi]: null bounds are the ends of the space. */
function span(lo: string | null, hi: string | null): number {
  return Math.max(0, (hi === null ? 1 : keyFraction(hi)) - (lo === null ? 0 : keyFraction(lo)));
}

/** How far a run got, from its ranges (pure). */
export function runProgress(run: Pick<RunRow, 'rowsEstimated' | 'rowsScanned' | 'busyMs'>, ranges: readonly RangeFacts[], locks: readonly LockFacts[]): RunProgress {
  const pending = ranges.filter((r) => !r.done);
  const pass = pending.length > 0 ? Math.min(...pending.map((r) => r.pass)) : Math.max(0, ...ranges.map((r) => r.pass));
  const current = ranges.filter((r) => r.pass === pass);
  const total = current.reduce((sum, r) => sum + span(r.lo, r.hi), 0);
  const covered = current.reduce((sum, r) => sum + (r.done ? span(r.lo, r.hi) : r.checkpoint === null ? 0 : span(r.lo, r.checkpoint)), 0);
  const fraction = total > 0 ? Math.min(1, covered / total) : current.length > 0 && pending.length === 0 ? 1 : 0;
  const done = current.reduce((sum, r) => sum + r.rowsScanned, 0);
  const estimatedRows = estimateTotalRows({ catalogRows: run.rowsEstimated ?? 0, done, fraction: fraction * total });
  const heldRanges = new Set(locks.filter((l) => l.objsubid === 2).map((l) => l.objid));
  return {
    pass,
    fraction,
    estimatedRows,
    rowsRemaining: Math.max(0, Math.round(estimatedRows * total - done)),
    rowsPerSecond: run.busyMs > 0 ? Math.round((run.rowsScanned * 1000) / run.busyMs) : null,
    ranges: { total: ranges.length, done: ranges.length - pending.length },
    claims: ranges
      .filter((r) => r.claimedBy !== null && !r.done)
      .map((r) => ({ rangeNo: r.rangeNo, pass: r.pass, claimedBy: r.claimedBy!, claimedAt: r.claimedAt, held: heldRanges.has(r.rangeNo) })),
  };
}

/** The sessions holding the run lock, each with the host and pid its process recorded (pure). */
export function runHolders(run: Pick<RunRow, 'host' | 'pid'>, ranges: readonly RangeFacts[], locks: readonly LockFacts[]): RunHolder[] {
  return locks
    .filter((l) => l.objsubid === 1)
    .map((l) => {
      const exclusive = l.mode === 'ExclusiveLock';
      // A worker's session also holds its range's lock; the range's claim says "host pid N worker M".
      const range = locks.find((r) => r.objsubid === 2 && r.pid === l.pid);
      const claim = range ? /^(.*) pid (\d+) worker \d+$/.exec(ranges.find((r) => r.rangeNo === range.objid)?.claimedBy ?? '') : null;
      return {
        backendPid: l.pid,
        clientAddr: l.clientAddr,
        applicationName: l.applicationName,
        since: l.backendStart,
        mode: exclusive ? ('exclusive' as const) : ('shared' as const),
        host: exclusive ? run.host : (claim?.[1] ?? null),
        pid: exclusive ? run.pid : claim ? Number(claim[2]) : null,
      };
    });
}

/** What keeps a pipeline from going on (pure). */
export function judgeReadiness(pending: StatusResult['pending'], backfill: StatusResult['backfill']): Readiness {
  const missing: string[] = [];
  if (pending.length > 0) missing.push(`${pending.length} migration(s) pending (${pending.map((m) => m.name).join(', ')}): run \`aibridge-migrate up\``);
  const forward = backfill?.latestRuns.find((r) => r.direction === 'forward');
  if (backfill === null) {
    if (pending.length === 0) missing.push('the backfill ledger does not exist (check --state-schema)');
  } else if (!forward) {
    missing.push('no backfill has run yet: run `aibridge-migrate backfill`');
  } else if (forward.status !== 'completed') {
    const where = forward.progress ? ` at ${Math.floor(forward.progress.fraction * 100)}% of ${forward.progress.pass === 0 ? 'the keyed pass' : `convergence sweep ${forward.progress.pass}`}` : '';
    missing.push(
      forward.status === 'running' && forward.holders.length > 0
        ? `backfill run #${forward.id} is still running${where}`
        : `backfill run #${forward.id} is ${forward.status}${where}: run \`aibridge-migrate backfill\` to ${forward.status === 'abandoned' ? 'start a new one' : 'resume it'}`,
    );
  } else if ((forward.unconvergedRows ?? 0) > 0) {
    missing.push(`backfill run #${forward.id} completed with ${forward.unconvergedRows} eligible row(s) left (written behind its cursor): run \`aibridge-migrate backfill\` again`);
  }
  return { ready: missing.length === 0, missing };
}

/**
 * Everything status reads from the backfill ledger and pg_locks, in one place: the latest run
 * per direction and, for a run not finished, its ranges and the sessions holding its locks.
 */
export async function latestBackfillRuns(db: pg.Client, stateSchema: string, appSchema: string): Promise<StatusResult['backfill']> {
  const query = queryOn(db);
  const runs = qualify(stateSchema, 'backfill_runs');
  const exists = await query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [runs]);
  if (!exists.rows[0]?.ok) return null;
  const names = tableNames(appSchema, stateSchema);
  const { rows: latest } = await query<{ id: string }>(
    `SELECT DISTINCT ON (direction) id FROM ${runs} WHERE target_schema = $1 AND target_table = $2 ORDER BY direction, id DESC`,
    [appSchema, APP_TABLE],
  );
  const summaries: BackfillRunSummary[] = [];
  for (const { id } of latest) {
    const run = await readRun(db, names, Number(id));
    let progress: RunProgress | null = null;
    let holders: RunHolder[] = [];
    if (run.status === 'running' || run.status === 'interrupted' || run.status === 'failed') {
      const { rows: rangeRows } = await query<DbRow>(
        `SELECT range_no, pass, lo::text AS lo, hi::text AS hi, checkpoint::text AS checkpoint, status, rows_scanned, claimed_by, claimed_at
           FROM ${names.ranges} WHERE run_id = $1 ORDER BY pass, range_no`,
        [run.id],
      );
      const ranges: RangeFacts[] = rangeRows.map((r) => ({
        rangeNo: Number(r.range_no),
        pass: Number(r.pass),
        lo: r.lo,
        hi: r.hi,
        checkpoint: r.checkpoint,
        done: r.status === 'done',
        rowsScanned: Number(r.rows_scanned),
        claimedBy: r.claimed_by,
        claimedAt: r.claimed_at,
      }));
      // The run lock is a bigint key (pg_locks: classid = high 32 bits, objid = low 32 bits,
      // objsubid 1); a range lock is the pair (hashtext(run key text), range_no), objsubid 2.
      const key = await runnerLockKey(db, stateSchema, names.usages);
      const { rows: lockRows } = await query<DbRow>(
        `SELECT l.pid, l.mode, l.objsubid, l.objid::bigint AS objid, host(a.client_addr) AS client_addr, a.application_name, a.backend_start
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND ((l.objsubid = 1 AND l.classid = (($1::bigint >> 32) & 4294967295)::oid AND l.objid = ($1::bigint & 4294967295)::oid)
              OR (l.objsubid = 2 AND l.classid = hashtext($2)::oid))
          ORDER BY a.backend_start, l.pid`,
        [key, runKeyText(names, run.id)],
      );
      const locks: LockFacts[] = lockRows.map((l) => ({
        pid: Number(l.pid),
        mode: l.mode,
        objsubid: Number(l.objsubid),
        objid: Number(l.objid),
        clientAddr: l.client_addr,
        applicationName: l.application_name,
        backendStart: l.backend_start,
      }));
      progress = runProgress(run, ranges, locks);
      holders = runHolders(run, ranges, locks);
    }
    summaries.push({
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
    });
  }
  return { ledger: `${stateSchema}.backfill_runs`, latestRuns: summaries };
}

export async function runStatus(settings: StatusSettings, deps: MigrateDeps): Promise<StatusResult> {
  const client = await openSession(settings, deps, 'status');
  const query = queryOn(client);
  try {
    const { available, bookkeeping, plan } = await readSituation(query, settings, settings.connection);
    const descriptions = new Map(available.map((m) => [m.name, m.description]));
    const backfill = await latestBackfillRuns(client, settings.stateSchema, settings.schema);
    return {
      command: 'status',
      database: settings.connection.label,
      migrationsTable: `${settings.migrationsSchema}.${settings.migrationsTable}`,
      migrationsTableExists: bookkeeping.exists,
      applied: bookkeeping.applied.map((m) => ({ name: m.name, description: descriptions.get(m.name) ?? null, runOn: m.runOn })),
      pending: plan.pending,
      backfill,
      readiness: judgeReadiness(plan.pending, backfill),
    };
  } catch (error) {
    throw translatePgError(error, { connection: settings.connection, action: 'reading migration status' });
  } finally {
    await client.end().catch(() => {});
  }
}
