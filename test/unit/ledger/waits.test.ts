/**
 * The statements of a run's recorded wait as whole texts (__snapshots__/*.sql, one file per function).
 */
import { describe, expect, it } from 'vitest';
import { ledgerRecordsWaits, readRunWait, recordRunWait } from '../../../src/ledger/waits.js';
import { tables } from '../../../src/names.js';
import { sentBy, statementFile } from '../../harness/statement-snapshot.js';

const t = tables('app', 'aibridge_migrate');
const answer = () => [{ ok: true, locked: 1, waiting_cause: 'replication_lag' }];
const wait = { cause: 'replication_lag', detail: 'standby s1 is 12 s behind', standby: 's1', replayLagMs: 12_000.4, lagBytes: 4096.2 };

describe('wait statements', () => {
  it.each([
    ['ledger-records-waits', [['ledgerRecordsWaits', (db) => ledgerRecordsWaits(db, t)]]],
    [
      'record-run-wait',
      [
        ['recordRunWait: a wait', (db) => recordRunWait(db, t, 7, wait)],
        ['recordRunWait: cleared', (db) => recordRunWait(db, t, 7, null)],
      ],
    ],
    ['read-run-wait', [['readRunWait', (db) => readRunWait(db, t, 7)]]],
  ] satisfies [string, [string, Parameters<typeof sentBy>[1]][]][])('%s is pinned', async (file, calls) => {
    const statements = [];
    for (const [title, run] of calls) statements.push(...(await sentBy(title, run, answer)));
    await expect(statementFile(statements)).toMatchFileSnapshot(`__snapshots__/${file}.sql`);
  });
});
