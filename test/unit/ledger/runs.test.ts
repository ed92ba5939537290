/**
 * The statements over backfill_runs as whole texts (__snapshots__/*.sql, one file per function).
 */
import { describe, expect, it } from 'vitest';
import {
  abandonRun,
  claimRun,
  createRun,
  findOpenRun,
  finishRun,
  latestRun,
  latestRunPerDirection,
  ledgerExists,
  readRun,
  recordRowsAtStart,
} from '../../../src/ledger/runs.js';
import { tables, target } from '../../../src/names.js';
import { sentBy, statementFile } from '../../harness/statement-snapshot.js';

const t = tables('app', 'aibridge_migrate');
const app = target('app');
const answer = () => [{ ok: true, id: 7 }];

describe('run statements', () => {
  it.each([
    ['ledger-exists', [['ledgerExists', (db) => ledgerExists(db, t)]]],
    ['find-open-run', [['findOpenRun', (db) => findOpenRun(db, t, app, 'forward')]]],
    [
      'latest-run',
      [
        ['latestRun: of a direction', (db) => latestRun(db, t, app, 'reverse')],
        ['latestRun: of either', (db) => latestRun(db, t, app)],
      ],
    ],
    ['latest-run-per-direction', [['latestRunPerDirection', (db) => latestRunPerDirection(db, t, app)]]],
    ['read-run', [['readRun', (db) => readRun(db, t, 7)]]],
    [
      'create-run',
      [
        [
          'createRun: with its first pass',
          (db) =>
            createRun(db, t, {
              ...app,
              direction: 'forward',
              walk: 'page',
              rowsAtStartFrom: 'first pass',
              ruleFingerprint: 'c7bf14c4ae4ad851',
              options: { workers: 2 },
              host: 'host-a',
              pid: 4242,
              rowsEstimated: 1_000_000,
              fixedBatchSize: 5000,
              ranges: [{ first: 0, end: 4096 }],
            }),
        ],
      ],
    ],
    ['claim-run', [['claimRun', (db) => claimRun(db, t, 7, { host: 'host-a', pid: 4242, fixedBatchSize: null })]]],
    ['record-rows-at-start', [['recordRowsAtStart', (db) => recordRowsAtStart(db, t, 7, 999_000)]]],
    ['abandon-run', [['abandonRun', (db) => abandonRun(db, t, 7, 'the rule changed')]]],
    [
      'finish-run',
      [
        ['finishRun: completed', (db) => finishRun(db, t, 7, { status: 'completed', unconvergedRows: 0 })],
        ['finishRun: failed', (db) => finishRun(db, t, 7, { status: 'failed', lastError: 'connection lost' })],
      ],
    ],
  ] satisfies [string, [string, Parameters<typeof sentBy>[1]][]][])('%s is pinned', async (file, calls) => {
    const statements = [];
    for (const [title, run] of calls) statements.push(...(await sentBy(title, run, answer)));
    await expect(statementFile(statements)).toMatchFileSnapshot(`__snapshots__/${file}.sql`);
  });
});
