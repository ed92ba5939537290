/**
 * The forward run's statements as whole texts (a reviewer reads the .sql files under
 * __snapshots__): the batch of the key walk, the count that ends a pass, and the page walk's
 * judge and round. What each must do is asserted in test/unit/backfill-plan.test.ts and by the
 * integration tests; these pin that nothing else changes.
 */
import { describe, expect, it } from 'vitest';
import { batchStatement, eligibleCountStatement, judgeStatement, roundStatement } from '../../../../src/backfill/sql/forward.js';
import { tables } from '../../../../src/names.js';
import { statementFile, titled } from '../../../harness/statement-snapshot.js';

const names = tables('app', 'aibridge_migrate');
const started = new Date('2026-11-30T12:00:00.123Z');
const lo = '40000000-0000-4000-8000-000000000000';
const hi = '7fffffff-ffff-4fff-bfff-ffffffffffff';

describe('forward statements', () => {
  it('the batch: the next rows of a key range, judged once, written by address while unchanged', async () => {
    const statement = batchStatement(names.usages, { lo, hi, size: 500, existedBefore: started });
    await expect(statementFile([titled('batchStatement: keys (lo, hi], at most 500 rows', statement)])).toMatchFileSnapshot(
      '__snapshots__/batch.sql',
    );
  });

  it('the count that ends a pass, a chunk of keys (PostgreSQL 13) and a stretch of pages', async () => {
    const byKey = eligibleCountStatement(names.usages, { by: 'key', lo, size: 2000, existedBefore: started });
    await expect(statementFile([titled('eligibleCountStatement: 2000 keys after lo', byKey)])).toMatchFileSnapshot(
      '__snapshots__/count-by-key.sql',
    );
    const byPage = eligibleCountStatement(names.usages, { by: 'page', from: 64, to: 128, existedBefore: started });
    await expect(statementFile([titled('eligibleCountStatement: pages [64, 128)', byPage)])).toMatchFileSnapshot(
      '__snapshots__/count-by-page.sql',
    );
  });

  it("the page walk's judge, which reads the rows moved onto its pages in its own statement, and a round", async () => {
    const judge = judgeStatement(names.usages, { from: 64, to: 72, moved: { table: names.movedRows, runId: 7, pass: 0 } }, started);
    await expect(statementFile([titled('judgeStatement: pages [64, 72) of run 7, pass 0', judge)])).toMatchFileSnapshot(
      '__snapshots__/judge.sql',
    );
    const rows = [
      { id: lo, page: 64, version: '1001', values: ['120', '0'] },
      { id: hi, page: 65, version: '1002', values: ['0', '40'] },
    ];
    const round = roundStatement(names.usages, rows, { window: { from: 64, to: 72 }, passEnd: 4096 });
    await expect(statementFile([titled('roundStatement: two rows of window [64, 72), pass ends at page 4096', round)])).toMatchFileSnapshot(
      '__snapshots__/round.sql',
    );
  });
});
