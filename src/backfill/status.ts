/**
 * How a backfill run stands, for `status`: how far its current pass got, the processes working
 * it, and the ranges they claim — read from the ledger and from the advisory locks the run's
 * sessions hold. The figures mean what the backfill's own progress means (PassProgress).
 */
import type { LockMode } from '../db/advisory-lock.js';
import { advisoryLockHolders } from '../db/lock-holders.js';
import type { Queryable } from '../db/port.js';
import { controlExists, controlLog, readControl, type ControlEntry, type RunControl } from '../ledger/control.js';
import { rangeOwners, runRanges } from '../ledger/ranges.js';
import type { RangeRow, RunRow } from '../ledger/rows.js';
import { latestRunPerDirection, ledgerExists } from '../ledger/runs.js';
import { readRunWait, type RecordedWait } from '../ledger/waits.js';
import type { Tables, Target } from '../names.js';
import { PassProgress } from './policy/pass-progress.js';
import { runLockName } from './run/run-lock.js';

/** A database session holding the run lock: a backfill process at work. */
export interface RunLockSession {
  backendPid: number;
  clientAddr: string | null;
  applicationName: string | null;
  /** When the session connected (pg_stat_activity.backend_start). */
  since: Date | null;
  /** exclusive: the single runner; shared: a --workers process. */
  mode: LockMode;
  /** Where the process says it runs: the ledger's host/pid (single runner) or its lanes' claims (workers). */
  host: string | null;
  pid: number | null;
}

/** A range of the current pass that a lane claimed: by whom, and whether its session still owns it. */
export interface RangeClaim {
  rangeNo: number;
  pass: number;
  claimedBy: string;
  claimedAt: Date | null;
  held: boolean;
}

export interface RunProgress {
  /** 0: the first pass; n: the n-th convergence sweep. */
  pass: number;
  /** Share of the table behind the pass's positions: of its heap pages, or of the key space (keys are random UUIDs: ≈ share of rows). */
  fraction: number;
  /** Rows of the table, estimated from the rows the pass scanned and the share of the table it covered. */
  estimatedRows: number;
  rowsRemaining: number;
  /** Rows scanned per second of batch time (each lane's, for a --workers run); null before the first batch. */
  rowsPerSecond: number | null;
  ranges: { total: number; done: number };
  claims: RangeClaim[];
}

/** The sessions holding a run's locks: the run lock, and each range owned (range number → backend pid). */
export interface RunLocks {
  run: { pid: number; mode: LockMode; clientAddr: string | null; applicationName: string | null; backendStart: Date | null }[];
  ranges: ReadonlyMap<number, number>;
}

export interface RunStanding {
  run: RunRow;
  /** For a run not finished (running, interrupted, failed); null otherwise. */
  progress: RunProgress | null;
  /** Processes working the run now (none: it is not being worked). */
  holders: RunLockSession[];
  /**
   * What the run is waiting for now (a lagging standby, sessions waiting on its locks), as its
   * processes recorded it; null when it is not waiting, or no process is working it (a wait
   * recorded by a process that died is not one).
   */
  waiting: RecordedWait | null;
  /** Its control (pause, cancel, throttle overrides); null on a ledger older than the control columns. */
  control: RunControl | null;
  /** Who changed its control, newest first (the last few). */
  controlLog: ControlEntry[];
}

/** Entries of a run's control log that `status` shows. */
const CONTROL_LOG_SHOWN = 5;

/** The pass being worked: the first with a pending range, else the last. */
function currentPass(ranges: readonly RangeRow[]): number {
  const pending = ranges.filter((r) => r.status === 'pending');
  return pending.length > 0 ? Math.min(...pending.map((r) => r.pass)) : Math.max(0, ...ranges.map((r) => r.pass));
}

/** How far a run got, from its ranges (pure). */
export function runProgress(
  run: Pick<RunRow, 'rowsEstimated' | 'rowsScanned' | 'busyMs'>,
  ranges: readonly RangeRow[],
  locks: RunLocks,
): RunProgress {
  const pass = currentPass(ranges);
  const current = ranges.filter((r) => r.pass === pass);
  const progress = new PassProgress(run.rowsEstimated ?? 0);
  progress.refresh(current, 0);
  const snapshot = progress.snapshot(0);
  const done = ranges.filter((r) => r.status === 'done').length;
  return {
    pass,
    fraction: snapshot.fraction,
    estimatedRows: snapshot.estimatedRows,
    rowsRemaining: Math.max(0, snapshot.estimatedRows - snapshot.passScanned),
    rowsPerSecond: run.busyMs > 0 ? Math.round((run.rowsScanned * 1000) / run.busyMs) : null,
    ranges: { total: ranges.length, done },
    claims: current
      .filter((r) => r.claimedBy !== null && r.status === 'pending')
      .map((r) => ({
        rangeNo: r.rangeNo,
        pass: r.pass,
        claimedBy: r.claimedBy!,
        claimedAt: r.claimedAt,
        held: locks.ranges.has(r.rangeNo),
      })),
  };
}

/** A lane's claim text, "host pid N lane M": where its process runs. */
const CLAIM = /^(.*) pid (\d+) lane \d+$/;

/** The sessions holding the run lock, each with the host and pid its process recorded (pure). */
export function runLockSessions(run: Pick<RunRow, 'host' | 'pid'>, ranges: readonly RangeRow[], locks: RunLocks): RunLockSession[] {
  return locks.run.map((l) => {
    // A --workers process's lanes each own a range; their claims say where the process runs.
    const owned = [...locks.ranges].find(([, pid]) => pid === l.pid)?.[0];
    const claim = owned === undefined ? null : CLAIM.exec(ranges.find((r) => r.rangeNo === owned)?.claimedBy ?? '');
    const exclusive = l.mode === 'exclusive';
    return {
      backendPid: l.pid,
      clientAddr: l.clientAddr,
      applicationName: l.applicationName,
      since: l.backendStart,
      mode: l.mode,
      host: exclusive ? run.host : (claim?.[1] ?? null),
      pid: exclusive ? run.pid : claim ? Number(claim[2]) : null,
    };
  });
}

/**
 * The latest run of each direction and, for one not finished, its progress and the processes
 * working it; null when the ledger does not exist.
 */
export async function runStandings(db: Queryable, t: Tables, target: Target, stateSchema: string): Promise<RunStanding[] | null> {
  if (!(await ledgerExists(db, t))) return null;
  const standings: RunStanding[] = [];
  const hasControl = await controlExists(db, t);
  for (const run of await latestRunPerDirection(db, t, target)) {
    const control = hasControl ? await readControl(db, t, run.id) : null;
    const log = hasControl ? await controlLog(db, t, run.id, CONTROL_LOG_SHOWN) : [];
    if (run.status !== 'running' && run.status !== 'interrupted' && run.status !== 'failed') {
      standings.push({ run, progress: null, holders: [], waiting: null, control, controlLog: log });
      continue;
    }
    const ranges = await runRanges(db, t, run.id);
    const holders = await advisoryLockHolders(db, runLockName(stateSchema, t));
    const locks: RunLocks = {
      run: holders.map((h) => ({
        pid: h.pid,
        mode: h.modes.includes('ExclusiveLock') ? 'exclusive' : 'shared',
        clientAddr: h.clientAddr,
        applicationName: h.applicationName || null,
        backendStart: h.backendStart,
      })),
      ranges: await rangeOwners(
        db,
        t,
        run.id,
        ranges.filter((r) => r.status === 'pending').map((r) => r.rangeNo),
      ),
    };
    const working = run.status === 'running' && holders.length > 0;
    standings.push({
      run,
      progress: runProgress(run, ranges, locks),
      holders: runLockSessions(run, ranges, locks),
      waiting: working ? await readRunWait(db, t, run.id) : null,
      control,
      controlLog: log,
    });
  }
  return standings;
}
