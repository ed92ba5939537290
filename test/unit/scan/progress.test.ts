/**
 * What a person reads on stderr while verify or the dry run reads the table (plain lines, as in
 * a log file), and the events' JSON lines for machines.
 */
import { describe, expect, it } from 'vitest';
import type { ScanEvent } from '../../../src/scan/events.js';
import { chunkEvent, jsonScanSink, textScanSink } from '../../../src/scan/progress.js';

const start: ScanEvent = {
  event: 'start',
  command: 'verify',
  snapshotAt: new Date('2026-12-05T10:00:00Z'),
  sessions: 2,
  by: 'pages',
  estimatedRows: 1_000_000,
  chunkTargetMs: 200,
  samplePercent: null,
};

function chunk(pass: 'rows' | 'samples', rowsDone: number, elapsedMs: number): ScanEvent {
  return chunkEvent('verify', pass, {
    chunks: 3,
    rowsDone,
    estimatedRows: 1_000_000,
    fraction: rowsDone / 1_000_000,
    elapsedMs,
    lastChunk: { rows: 40_000, ms: 180 },
  });
}

const pass = (name: 'rows' | 'samples', durationMs: number): ScanEvent => ({
  event: 'pass',
  command: 'verify',
  pass: name,
  chunks: 25,
  rowsScanned: 1_000_000,
  durationMs,
  longestChunkMs: 230,
  retries: 1,
});

describe('textScanSink, plain lines', () => {
  it('the start, progress every interval, a summary of the read; a short later pass says nothing', () => {
    let out = '';
    let now = 0;
    const sink = textScanSink({ write: (t) => (out += t), clock: { now: () => now }, interactive: false, label: 'verify' });
    sink(start);
    sink(chunk('rows', 250_000, 1_000));
    now = 1_000;
    sink(chunk('rows', 500_000, 2_000));
    now = 6_000;
    sink(chunk('rows', 1_000_000, 4_000));
    sink(pass('rows', 4_000));
    sink(chunk('samples', 10, 5));
    sink(pass('samples', 5));
    sink({ event: 'finish', command: 'verify', durationMs: 4_100 });
    expect(out.trimEnd().split('\n')).toEqual([
      'verify: ~1,000,000 rows, one snapshot, 2 sessions, chunks of 200ms',
      'verify: 25% 250,000/~1,000,000 rows · 250,000 rows/s · ETA 3.0s · chunk 40,000 in 180ms',
      'verify: 100% 1,000,000/~1,000,000 rows · 250,000 rows/s · ETA 0ms · chunk 40,000 in 180ms',
      'verify: read 1,000,000 rows in 25 chunks, 4.0s (longest chunk 230ms, 1 read again after a timeout)',
    ]);
  });
});

describe('jsonScanSink', () => {
  it('one JSON line per event, snake_case, with the time', () => {
    let out = '';
    jsonScanSink((t) => (out += t), { date: () => new Date('2026-12-05T10:00:01Z') })(chunk('rows', 500_000, 2_000));
    expect(JSON.parse(out)).toEqual({
      event: 'chunk',
      time: '2026-12-05T10:00:01.000Z',
      command: 'verify',
      pass: 'rows',
      chunks: 3,
      rows_scanned: 500_000,
      estimated_rows: 1_000_000,
      percent: 50,
      rows_per_second: 250_000,
      eta_ms: 2_000,
      chunk_rows: 40_000,
      chunk_ms: 180,
    });
  });
});
