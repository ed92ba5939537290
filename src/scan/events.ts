/**
 * Progress of a whole-table read (verify, `backfill --dry-run`), as events. On stderr: a live
 * line on a terminal, a plain line every 5 s otherwise, or — in JSON mode — one JSON line per
 * event, with the field names below in snake_case plus `"event"` and `"time"`. The report
 * itself goes to stdout, so stdout stays one document. Fields are only ever added.
 *
 *   start  {command, snapshot_at, sessions, by ("pages" | "keys" | "sample"), estimated_rows,
 *           chunk_target_ms, sample_percent (null unless --sample)}
 *   chunk  {command, pass, chunks, rows_scanned, estimated_rows, percent, rows_per_second,
 *           eta_ms, chunk_rows, chunk_ms}   (after each chunk of the pass)
 *   pass   {command, pass, chunks, rows_scanned, duration_ms, longest_chunk_ms, retries}
 *   finish {command, duration_ms}
 *
 * `pass` is "rows" (every row: the census), then only when needed "samples" (the chunks that
 * hold failing or anomalous rows, until enough samples), "sessions" (the chunks that hold
 * failing rows, summed per session) and "session_totals" (the interceptions of the sessions
 * listed). rows_per_second and eta_ms are null until a rate is known.
 */
import type { ScanWindow } from './windows.js';

export type ScanPass = 'rows' | 'samples' | 'sessions' | 'session_totals';

export type ScanEvent =
  | {
      event: 'start';
      command: string;
      snapshotAt: Date;
      sessions: number;
      by: ScanWindow['by'];
      estimatedRows: number;
      chunkTargetMs: number;
      samplePercent: number | null;
    }
  | {
      event: 'chunk';
      command: string;
      pass: ScanPass;
      chunks: number;
      rowsScanned: number;
      estimatedRows: number;
      percent: number;
      rowsPerSecond: number | null;
      etaMs: number | null;
      chunkRows: number;
      chunkMs: number;
    }
  | {
      event: 'pass';
      command: string;
      pass: ScanPass;
      chunks: number;
      rowsScanned: number;
      durationMs: number;
      longestChunkMs: number;
      retries: number;
    }
  | { event: 'finish'; command: string; durationMs: number };

export type ScanSink = (event: ScanEvent) => void;

export const silentScanSink: ScanSink = () => {};
