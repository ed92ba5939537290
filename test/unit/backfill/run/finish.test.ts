/** A failed run's result: its error says how to resume, once, where the result is made. */
import { describe, expect, it } from 'vitest';
import { failedResult, type Ending } from '../../../../src/backfill/run/finish.js';
import { ConnectionError, PreflightError, RetriesExhaustedError } from '../../../../src/errors.js';
import type { RunRow } from '../../../../src/ledger/rows.js';
import { tables } from '../../../../src/names.js';
import { fakeClock } from '../../../harness/fake-clock.js';

const run = { id: 7, direction: 'forward', startedAt: new Date(0), finishedAt: null, anomalies: {} } as unknown as RunRow;

function ending(withRun: boolean): Ending {
  return {
    db: null,
    names: tables('public', 'aibridge_migrate'),
    sink: () => {},
    resumeCommand: 'aibridge-migrate backfill --batch-size 500',
    where: 'db.internal:5432/coder',
    run: withRun ? run : null,
    mayRecord: async () => false,
    clock: fakeClock(),
  };
}

describe('failedResult', () => {
  it.each([
    [
      'retries spent',
      new RetriesExhaustedError('a batch failed 3 times', { hint: 'Every committed batch is kept. Fix the cause (see above).' }),
    ],
    ['the connection lost for good', new ConnectionError('cannot reach db.internal:5432/coder')],
  ])('%s: the error carries the resume command and the database, after its own hint', async (_name, error) => {
    const result = await failedResult(ending(true), error);
    expect(result.status === 'failed' && [result.resumeCommand, result.error.hint, result.error.code]).toEqual([
      'aibridge-migrate backfill --batch-size 500',
      `${error.hint ? `${error.hint} ` : ''}Resume with: aibridge-migrate backfill --batch-size 500 (it continues on db.internal:5432/coder)`,
      error.code,
    ]);
  });

  it('no resume hint where resuming cannot help: before a run was chosen, or a preflight refusal', async () => {
    const early = await failedResult(ending(false), new ConnectionError('cannot reach'));
    const refused = await failedResult(
      ending(true),
      new PreflightError('the columns are missing', { hint: 'Run `aibridge-migrate up` first.' }),
    );
    expect(early.status === 'failed' && [early.resumeCommand, early.error.hint]).toEqual([null, undefined]);
    expect(refused.status === 'failed' && [refused.resumeCommand, refused.error.hint]).toEqual([null, 'Run `aibridge-migrate up` first.']);
  });
});
