/**
 * The statements over backfill_ranges as whole texts (__snapshots__/*.sql, one file per function).
 */
import { describe, expect, it } from 'vitest';
import {
  claimRange,
  currentPassRanges,
  hasFirstPass,
  insertRanges,
  lastPass,
  openSweep,
  passEnd,
  rangeOwners,
  releaseRange,
  runWorkLeft,
  runRanges,
} from '../../../src/ledger/ranges.js';
import { tables } from '../../../src/names.js';
import { sentBy, statementFile } from '../../harness/statement-snapshot.js';

const t = tables('app', 'aibridge_migrate');
const mid = '80000000-0000-4000-8000-000000000000';
const answer = () => [{ ok: true, range_no: 3, status: 'pending', pending: 1, end: 4096 }];

describe('range statements', () => {
  it.each([
    [
      'insert-ranges',
      [
        [
          'insertRanges: page ranges',
          (db) =>
            insertRanges(db, t, 7, 0, [
              { first: 0, end: 2048 },
              { first: 2048, end: 4096 },
            ]),
        ],
        [
          'insertRanges: key ranges',
          (db) =>
            insertRanges(db, t, 7, 0, [
              { lo: null, hi: mid },
              { lo: mid, hi: null },
            ]),
        ],
      ],
    ],
    ['open-sweep', [['openSweep: pass 2', (db) => openSweep(db, t, 7, 2, [{ first: 0, end: 4096 }])]]],
    ['claim-range', [['claimRange', (db) => claimRange(db, t, 7, 'host-a:4242/lane 1')]]],
    ['range-owners', [['rangeOwners', (db) => rangeOwners(db, t, 7, [1, 2])]]],
    ['release-range', [['releaseRange', (db) => releaseRange(db, t, { runId: 7, rangeNo: 3 })]]],
    ['run-ranges', [['runRanges', (db) => runRanges(db, t, 7)]]],
    ['run-work-left', [['runWorkLeft', (db) => runWorkLeft(db, t, 7)]]],
    ['current-pass-ranges', [['currentPassRanges', (db) => currentPassRanges(db, t, 7)]]],
    ['has-first-pass', [['hasFirstPass', (db) => hasFirstPass(db, t, 7)]]],
    ['last-pass', [['lastPass', (db) => lastPass(db, t, 7)]]],
    ['pass-end', [['passEnd', (db) => passEnd(db, t, { runId: 7, pass: 1 })]]],
  ] satisfies [string, [string, Parameters<typeof sentBy>[1]][]][])('%s is pinned', async (file, calls) => {
    const statements = [];
    for (const [title, run] of calls) statements.push(...(await sentBy(title, run, answer)));
    await expect(statementFile(statements)).toMatchFileSnapshot(`__snapshots__/${file}.sql`);
  });
});
