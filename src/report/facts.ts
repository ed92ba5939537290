/**
 * What verify measured, before any judgement: the input of buildReport(). Sums are bigint
 * (PostgreSQL's sum(bigint) is numeric and may exceed a JavaScript number).
 */
import type { AnomalySample, ClassCounts, RowSample } from './model.js';

export interface ColumnSums {
  columns: bigint;
  rule: bigint;
  applicationWritten: bigint;
  legacy: bigint;
}

export interface GroupFacts {
  hasInterception: boolean;
  provider: string | null;
  model: string | null;
  rows: number;
  classes: ClassCounts;
  rowsWithAnomalies: number;
  /** Rows per anomaly label (`class:key`, `not_an_object:$`). */
  anomalyLabels: Record<string, number>;
  read: ColumnSums;
  write: ColumnSums;
  rowsWithInputCached: number;
  rowsWithSeveralReadKeys: number;
}

export interface SessionFacts {
  session: string | null;
  rows: number;
  read: { columns: bigint; rule: bigint; applicationWritten: bigint };
  write: { columns: bigint; rule: bigint; applicationWritten: bigint };
}

export interface LedgerRunFacts {
  runId: string;
  status: string;
  ruleFingerprint: string;
  startedAt: Date;
  finishedAt: Date | null;
  tableRowsAtStart: number | null;
  maxCreatedAtAtStart: Date | null;
  rowsScanned: number;
  rowsUpdated: number;
  rowsApplicationWritten: number;
  /** Rows now with created_at after maxCreatedAtAtStart (null when that is unknown). */
  rowsCreatedSinceStart: number | null;
}

export interface VerificationFacts {
  generatedAt: Date;
  snapshotAt: Date;
  /** host:port/database, no password. */
  database: string;
  schema: string;
  table: string;
  serverVersionNum: number;
  columnsPresent: boolean;
  ruleFingerprint: string;
  maxSamples: number;
  topSessions: number;
  groups: GroupFacts[];
  /** count(*) of the table in the same snapshot, by a separate scan. */
  rowsInTable: number;
  samples: { pending: RowSample[]; conflict: RowSample[] };
  /** count null: not summed per session, because no row fails parity (none can differ). */
  sessions: { count: number | null; differing: number; top: SessionFacts[] };
  ledger: { state: 'absent' | 'no_runs' } | { state: 'present'; run: LedgerRunFacts };
  anomalySamples: AnomalySample[];
}
