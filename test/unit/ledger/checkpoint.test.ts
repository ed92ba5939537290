/**
 * recordBatch's statements as whole texts (__snapshots__/record-batch.sql): the range's position
 * and counts and the run's totals, as a key walk and a page walk record them.
 */
import { describe, expect, it } from 'vitest';
import { sql } from '../../../src/db/sql.js';
import { mergeCountsSql, recordBatch, type BatchRecord } from '../../../src/ledger/checkpoint.js';
import { tables } from '../../../src/names.js';
import { sentBy, statementFile } from '../../harness/statement-snapshot.js';

const t = tables('app', 'aibridge_migrate');
const batch: Omit<BatchRecord, 'position' | 'pass' | 'existedAtStart'> = {
  runId: 7,
  rangeNo: 3,
  rangeDone: false,
  scanned: 1000,
  updated: 640,
  applicationWritten: 12,
  anomalies: { fractional: 2 },
  ms: 41.6,
};

describe('recordBatch', () => {
  it('is pinned: the first pass of a key walk, a sweep of a page walk', async () => {
    const statements = [
      ...(await sentBy('recordBatch: key walk, first pass', (db) =>
        recordBatch(db, t, {
          ...batch,
          pass: 0,
          position: { walk: 'key', checkpoint: '40000000-0000-4000-8000-000000000000' },
          existedAtStart: 990,
        }),
      )),
      ...(await sentBy('recordBatch: page walk, a sweep', (db) =>
        recordBatch(db, t, {
          ...batch,
          pass: 1,
          rangeDone: true,
          position: { walk: 'page', next: 128, countedTo: 192 },
          existedAtStart: null,
        }),
      )),
    ];
    await expect(statementFile(statements)).toMatchFileSnapshot('__snapshots__/record-batch.sql');
  });
});

describe('checkpoint statements', () => {
  it('merges anomaly counts from a parameter', () => {
    const merged = sql`SET anomalies = ${mergeCountsSql(sql`anomalies`, '{"negative":2}')} WHERE id = ${7}`;
    expect(merged.text).toContain('jsonb_each_text(anomalies) UNION ALL SELECT * FROM jsonb_each_text($1::jsonb)');
    expect(merged.values).toEqual(['{"negative":2}', 7]);
  });
});
