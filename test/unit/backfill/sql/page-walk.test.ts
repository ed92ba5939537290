/** The page walk's shared statement parts: what a judge's one text of rows to write reads as. */
import { describe, expect, it } from 'vitest';
import { judgedRows, readJudgement } from '../../../../src/backfill/sql/page-walk.js';

const A = '40000000-0000-4000-8000-000000000000';
const B = '7fffffff-ffff-4fff-bfff-ffffffffffff';

describe("a judge's rows to write", () => {
  it.each([
    ['none', '', 2, []],
    [
      'forward: id, version, cache read, cache write, page',
      `${A} 1001 120 0 64,${B} 1002 0 40 65`,
      2,
      [
        { page: 64, line: `${A} 1001 120 0 64` },
        { page: 65, line: `${B} 1002 0 40 65` },
      ],
    ],
    ['reverse: no values', `${A} 3000000000 4294967294`, 0, [{ page: 4294967294, line: `${A} 3000000000 4294967294` }]],
  ])('%s', (_name, judged, valueCount, rows) => {
    expect(judgedRows(judged, valueCount)).toEqual(rows);
  });

  it('a text with another number of fields is refused, not written with shifted values', () => {
    expect(() => judgedRows(`${A} 1001 120 64`, 2)).toThrow(/4 fields, not 5/);
    expect(() => judgedRows(`${A} 1001 64`, 2)).toThrow(/3 fields, not 5/);
  });

  it('a row whose last field is not a page number is refused', () => {
    expect(() => judgedRows(`${A} 1001 120 0 -1`, 2)).toThrow(/does not end with a page/);
    expect(() => judgedRows(`${A} 1001 120 0 64,${B} 1002 0 40 sixty`, 2)).toThrow(/does not end with a page: .* sixty/);
  });

  it('the counts come with the rows, anomalies by class', () => {
    const row = { scanned: '10', app_written: '1', existed: '9', anomalies: { negative: 2 }, judged: `${A} 55 3 0 7` };
    expect(readJudgement(row, 2)).toEqual({
      scanned: 10,
      applicationWritten: 1,
      existed: 9,
      anomalies: { negative: 2 },
      rows: [{ page: 7, line: `${A} 55 3 0 7` }],
    });
  });
});
