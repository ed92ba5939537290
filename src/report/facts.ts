/**
 * What verify measured, before any judgement: the input of buildReport(). Sums are bigint
 * (PostgreSQL's sum(bigint) is numeric and may exceed a JavaScript number).
 */
import type { AnomalySample, ClassCounts, RowSample, SampleSection, ScanSection } from './model.js';

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
  /** Rows the census read in the snapshot; null for a sample (the table was not counted). */
  rowsInTable: number | null;
  samples: { pending: RowSample[]; conflict: RowSample[] };
  /** withFailingRows and differing null: not summed (a sample, or too many sessions). */
  sessions: { withFailingRows: number | null; differing: number | null; top: SessionFacts[] };
  scan: ScanSection;
  /** null for a full verify. */
  sample: SampleSection | null;
  ledger: { state: 'absent' | 'no_runs' } | { state: 'present'; run: LedgerRunFacts };
  anomalySamples: AnomalySample[];
}
