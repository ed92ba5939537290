/**
 * The statements over backfill_moved_rows as whole texts (__snapshots__/*.sql): what the page
 * walk's judge leaves out is recorded and forgotten here (the judge reads it: judge.sql).
 */
import { describe, expect, it } from 'vitest';
import { forgetMovedRows, recordMovedRows } from '../../../src/ledger/moved-rows.js';
import { tables } from '../../../src/names.js';
import { sentBy, statementFile } from '../../harness/statement-snapshot.js';

const t = tables('app', 'aibridge_migrate');

describe('moved-row statements', () => {
  it('is pinned', async () => {
    const statements = [
      ...(await sentBy('recordMovedRows', (db) => recordMovedRows(db, t, { runId: 7, pass: 0 }, ['(3001,4)', '(3001,5)']))),
      ...(await sentBy('forgetMovedRows', (db) => forgetMovedRows(db, t, 7))),
    ];
    await expect(statementFile(statements)).toMatchFileSnapshot('__snapshots__/moved-rows.sql');
  });

  it('records nothing for a round that moved nothing', async () => {
    expect(await sentBy('recordMovedRows', (db) => recordMovedRows(db, t, { runId: 7, pass: 0 }, []))).toEqual([]);
  });
});
