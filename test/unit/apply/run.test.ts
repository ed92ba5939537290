import { describe, expect, it } from 'vitest';
import { onlyPending } from '../../../src/apply/run.js';
import type { Report } from '../../../src/report/model.js';

function report(status: 'pass' | 'fail', pending: number, conflict: number, failing: string[]): Report {
  return {
    outcome: { status, exit_code: status === 'pass' ? 0 : 1, failing_checks: failing, fail_on_anomaly: false },
    row_parity: { classes: { ok: 10, application_written: 0, pending, conflict } },
  } as unknown as Report;
}

describe('pending rows alone: not backfilled yet (exit 9), not a parity failure (exit 1)', () => {
  it.each([
    [
      'pending rows, the row and totals checks fail',
      report('fail', 3, 0, ['row_parity', 'totals_by_provider_model', 'totals_by_session']),
      3,
    ],
    ['pending rows, only row parity fails', report('fail', 1, 0, ['row_parity']), 1],
    ['a conflict besides', report('fail', 3, 1, ['row_parity']), null],
    ['count parity fails too', report('fail', 3, 0, ['row_parity', 'count_parity']), null],
    ['anomalies fail the run (--fail-on-anomaly)', report('fail', 3, 0, ['row_parity', 'anomalies']), null],
    ['conflicts only', report('fail', 0, 2, ['row_parity']), null],
    ['parity holds', report('pass', 0, 0, []), null],
  ])('%s → %s', (_, given, expected) => {
    expect(onlyPending(given)).toBe(expected);
  });
});
