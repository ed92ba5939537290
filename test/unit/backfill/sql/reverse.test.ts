/**
 * The reverse run's statements as whole texts (a reviewer reads the .sql files under
 * __snapshots__). What each must do is asserted in test/unit/backfill-reverse-sql.test.ts and by
 * test/integration/backfill-reverse.test.ts; these pin that nothing else changes.
 */
import { describe, expect, it } from 'vitest';
import {
  reverseBatchStatement,
  reverseCountStatement,
  reverseJudgeStatement,
  reverseRoundStatement,
} from '../../../../src/backfill/sql/reverse.js';
import { tables } from '../../../../src/names.js';
import { statementFile, titled } from '../../../harness/statement-snapshot.js';

const names = tables('app', 'aibridge_migrate');
const started = new Date('2026-11-30T12:00:00.123Z');
const lo = '40000000-0000-4000-8000-000000000000';
const hi = '7fffffff-ffff-4fff-bfff-ffffffffffff';

describe('reverse statements', () => {
  it('the batch: the next rows of a key range, judged once, their metadata rewritten while unchanged', async () => {
    const statement = reverseBatchStatement(names.usages, { lo, hi, size: 500, existedBefore: started });
    await expect(statementFile([titled('reverseBatchStatement: keys (lo, hi], at most 500 rows', statement)])).toMatchFileSnapshot(
      '__snapshots__/reverse-batch.sql',
    );
  });

  it('the count that ends a pass, a chunk of keys (PostgreSQL 13) and a stretch of pages', async () => {
    const byKey = reverseCountStatement(names.usages, { by: 'key', lo, size: 2000, existedBefore: started });
    await expect(statementFile([titled('reverseCountStatement: 2000 keys after lo', byKey)])).toMatchFileSnapshot(
      '__snapshots__/reverse-count-by-key.sql',
    );
    const byPage = reverseCountStatement(names.usages, { by: 'page', from: 64, to: 128, existedBefore: started });
    await expect(statementFile([titled('reverseCountStatement: pages [64, 128)', byPage)])).toMatchFileSnapshot(
      '__snapshots__/reverse-count-by-page.sql',
    );
  });

  it("the page walk's judge, which reads the rows moved onto its pages in its own statement, and a round", async () => {
    const judge = reverseJudgeStatement(names.usages, { from: 64, to: 72, moved: { table: names.movedRows, runId: 7, pass: 0 } }, started);
    await expect(statementFile([titled('reverseJudgeStatement: pages [64, 72) of run 7, pass 0', judge)])).toMatchFileSnapshot(
      '__snapshots__/reverse-judge.sql',
    );
    const rows = [
      { id: lo, page: 64, version: '1001', values: [] },
      { id: hi, page: 65, version: '1002', values: [] },
    ];
    const round = reverseRoundStatement(names.usages, rows, { window: { from: 64, to: 72 }, passEnd: 4096 });
    await expect(
      statementFile([titled('reverseRoundStatement: two rows of window [64, 72), pass ends at page 4096', round)]),
    ).toMatchFileSnapshot('__snapshots__/reverse-round.sql');
  });
});
