/** The page walk's shared statement parts: what a judge's one text of rows to write reads as. */
import { describe, expect, it } from 'vitest';
import { judgedRows, readJudgement } from '../../../../src/backfill/sql/page-walk.js';

const A = '40000000-0000-4000-8000-000000000000';
const B = '7fffffff-ffff-4fff-bfff-ffffffffffff';

describe("a judge's rows to write", () => {
  it.each([
    ['none', '', 2, []],
    [
      'forward: id, page, version, cache read, cache write',
      `${A} 64 1001 120 0,${B} 65 1002 0 40`,
      2,
      [
        { id: A, page: 64, version: '1001', values: ['120', '0'] },
        { id: B, page: 65, version: '1002', values: ['0', '40'] },
      ],
    ],
    ['reverse: no values', `${A} 4294967294 3000000000`, 0, [{ id: A, page: 4294967294, version: '3000000000', values: [] }]],
  ])('%s', (_name, judged, valueCount, rows) => {
    expect(judgedRows(judged, valueCount)).toEqual(rows);
  });

  it('a row with the wrong number of fields is refused, not written with shifted values', () => {
    expect(() => judgedRows(`${A} 64 1001 120`, 2)).toThrow(/4 fields, not 5/);
  });

  it('the counts come with the rows, anomalies by class', () => {
    const row = { scanned: '10', app_written: '1', existed: '9', anomalies: { negative: 2 }, judged: `${A} 7 55 3 0` };
    expect(readJudgement(row, 2)).toEqual({
      scanned: 10,
      applicationWritten: 1,
      existed: 9,
      anomalies: { negative: 2 },
      rows: [{ id: A, page: 7, version: '55', values: ['3', '0'] }],
    });
  });
});
