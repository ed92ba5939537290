/**
 * verify's statements after the census as whole texts (__snapshots__/*.sql): sample rows of a
 * class, rows with anomalies, failing rows summed per session, the totals of listed sessions.
 */
import { describe, expect, it } from 'vitest';
import { tables } from '../../../src/names.js';
import { anomalySampleStatement, classSampleStatement, sessionDiffStatement, sessionTotalsStatement } from '../../../src/verify/rows.js';
import { statementFile, titled } from '../../harness/statement-snapshot.js';

const names = tables('app', 'aibridge_migrate');
const scope = { usages: names.usages, interceptions: names.interceptions, columnsPresent: true };
const pages = { by: 'pages', from: 128, to: 256 } as const;
const keys = { by: 'keys', from: 0.25, to: 0.5 } as const;

describe('verify statements', () => {
  it.each([
    [
      'class-sample',
      [
        titled('classSampleStatement: conflict rows of pages [128, 256), at most 20', classSampleStatement(scope, pages, 'conflict', 20)),
        titled('classSampleStatement: a quarter of the key space (PostgreSQL 13)', classSampleStatement(scope, keys, 'pending', 20)),
      ],
    ],
    ['anomaly-sample', [titled('anomalySampleStatement: pages [128, 256), at most 20', anomalySampleStatement(scope, pages, 20))]],
    [
      'session-diff',
      [
        titled(
          'sessionDiffStatement: pages [128, 256), interceptions on pages [10, 40)',
          sessionDiffStatement(scope, pages, { from: 10, to: 40 }),
        ),
        titled('sessionDiffStatement: no interceptions window', sessionDiffStatement(scope, pages, null)),
      ],
    ],
    [
      'session-totals',
      [
        titled(
          'sessionTotalsStatement: two sessions, interception pages [0, 64)',
          sessionTotalsStatement(scope, { by: 'pages', from: 0, to: 64 }, ['s-1', 's-2']),
        ),
      ],
    ],
  ] as const)('%s is pinned', async (file, statements) => {
    await expect(statementFile(statements)).toMatchFileSnapshot(`__snapshots__/${file}.sql`);
  });
});
