/**
 * Whether a standby keeps up, from its status reports as the primary sees them in
 * pg_stat_replication. A standby reports after it has flushed WAL it received, before it has
 * replayed it, and otherwise only every wal_receiver_status_interval; so the latest report
 * always shows the newest WAL as not replayed yet, and replay_lag then measures the time
 * between reports rather than a delay. What tells a standby that keeps up from one that is
 * stuck is its progress between reports: at its latest report it had replayed everything it
 * had received by its previous one. Pure; the gate keeps the memory between its looks.
 */

/** One standby's latest report: a row of pg_stat_replication. */
export interface StandbyReport {
  /** The walsender's pid: one connection of one standby (application_names may repeat). */
  pid: number;
  /** reply_time: when the standby sent the report; a new value is a new report. */
  replyTime: string | null;
  /** flush_lsn and replay_lsn as byte positions; null when not visible to this role. */
  flushPosition: number | null;
  replayPosition: number | null;
}

interface Remembered {
  replyTime: string | null;
  flushPosition: number | null;
  /** flush_lsn of the report before the latest; null until two reports were seen. */
  previousFlush: number | null;
}

export type ReportMemory = ReadonlyMap<number, Remembered>;

export const NO_REPORTS: ReportMemory = new Map();

/** Remembers each standby's reports; `keepsUp` holds the pids of standbys that keep up. */
export function trackReports(memory: ReportMemory, reports: readonly StandbyReport[]): { memory: ReportMemory; keepsUp: Set<number> } {
  const next = new Map<number, Remembered>();
  const keepsUp = new Set<number>();
  for (const report of reports) {
    const known = memory.get(report.pid);
    const entry: Remembered =
      known === undefined
        ? { replyTime: report.replyTime, flushPosition: report.flushPosition, previousFlush: null }
        : known.replyTime === report.replyTime
          ? known
          : { replyTime: report.replyTime, flushPosition: report.flushPosition, previousFlush: known.flushPosition };
    next.set(report.pid, entry);
    if (entry.previousFlush !== null && report.replayPosition !== null && report.replayPosition >= entry.previousFlush)
      keepsUp.add(report.pid);
  }
  // A pid no longer listed is a connection that ended: forgotten.
  return { memory: next, keepsUp };
}
