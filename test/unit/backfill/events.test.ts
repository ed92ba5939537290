import { describe, expect, it } from 'vitest';
import { eventJson } from '../../../src/backfill/events.js';

describe('events as JSON lines', () => {
  it('JSON lines are snake_case with event and time first', () => {
    const line = eventJson(
      { event: 'converge', runId: 3, pass: 1, rowsScanned: 10, rowsUpdated: 2, eligibleRemaining: 0, converged: true, nextPass: null },
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(line).toBe(
      '{"event":"converge","time":"2026-01-01T00:00:00.000Z","run_id":3,"pass":1,"rows_scanned":10,"rows_updated":2,"eligible_remaining":0,"converged":true,"next_pass":null}',
    );
  });

  it('keeps anomaly class names as they are inside the summary', () => {
    const line = JSON.parse(
      eventJson(
        {
          event: 'finish',
          runId: 1,
          status: 'completed',
          resumeCommand: null,
          summary: {
            runId: 1,
            rowsScanned: 1,
            rowsUpdated: 1,
            rowsApplicationWritten: 0,
            anomalies: { not_a_number: 2 },
            batches: 1,
            durationMs: 5,
            busyMs: 4,
            rowsPerSecond: 250,
            longestBatchMs: 4,
            convergencePasses: 1,
            unconvergedRows: null,
          },
        },
        new Date(0),
      ),
    );
    expect(line.summary).toMatchObject({ rows_application_written: 0, anomalies: { not_a_number: 2 }, longest_batch_ms: 4 });
  });
});
