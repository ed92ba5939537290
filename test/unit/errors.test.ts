import { describe, expect, it } from 'vitest';
import { RetriesExhaustedError, withHint } from '../../src/errors.js';

describe('withHint', () => {
  it('the same error with the hint added after its own; the original untouched', () => {
    const cause = new Error('55P03');
    const error = new RetriesExhaustedError('a batch failed 3 times', { hint: 'Fix the cause.', cause, details: { runId: 4 } });
    const shown = withHint(error, 'Resume with: aibridge-migrate backfill (it continues on db:5432/coder)');
    expect(shown).toBeInstanceOf(RetriesExhaustedError);
    expect([shown.message, shown.code, shown.exitCode, shown.cause, shown.details]).toEqual([
      'a batch failed 3 times',
      'RETRIES_EXHAUSTED',
      8,
      cause,
      { runId: 4 },
    ]);
    expect(shown.hint).toBe('Fix the cause. Resume with: aibridge-migrate backfill (it continues on db:5432/coder)');
    expect(error.hint).toBe('Fix the cause.');
    expect(withHint(new RetriesExhaustedError('x'), 'Resume.').hint).toBe('Resume.');
  });
});
