/** The benchmark's streaming-standby figures (--replica) as plain data, and as text. Pure. */
import type { ContenderId } from '../options.js';
import { formatBytes, formatMs, renderTable } from './format.js';

export interface ReplicaRun {
  id: ContenderId;
  label: string;
  round: number;
  /** Largest replay_lag the primary reported while the contender ran; null when it never had one. */
  peakReplayLagMs: number | null;
  /** Largest pg_current_wal_lsn() − replay_lsn seen while the contender ran. */
  peakLagBytes: number | null;
  /** From the contender's end until the standby had replayed all the primary had written; null: not within the bound. */
  catchUpMs: number | null;
  samples: number;
  /** The backfill's own pauses for replication lag (its --json `pause` events), and their total. */
  lagPauses: number;
  lagPausedMs: number;
}

export interface ReplicaReport {
  /** How the standby was made and run. */
  description: string;
  intervalMs: number;
  runs: ReplicaRun[];
}

export function replicaLines(replica: ReplicaReport | null | undefined): string[] {
  if (!replica) return [];
  const rows = replica.runs.map((r) => [
    `(${r.id}) ${r.label}${r.round > 1 ? ` (round ${r.round})` : ''}`,
    formatMs(r.peakReplayLagMs),
    formatBytes(r.peakLagBytes),
    formatMs(r.catchUpMs),
    r.lagPauses > 0 ? `${r.lagPauses} (${formatMs(r.lagPausedMs)})` : '—',
  ]);
  return [
    '',
    `Streaming standby: ${replica.description}; the primary's view (pg_stat_replication) sampled every ${replica.intervalMs} ms`,
    renderTable(['contender', 'peak replay lag', 'peak WAL not replayed', 'caught up after the run', 'backfill paused for lag'], rows),
    "  caught up after the run: from the contender's end until the standby had replayed everything the primary had written (read on the standby)",
  ];
}
