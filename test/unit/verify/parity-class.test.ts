import { describe, expect, it } from 'vitest';
import { classifyParity, classOfFlags, parityClassSql, type ParityClass } from '../../../src/verify/parity-class.js';

// [columns read, columns write, rule read, rule write, class, why]
const CASES: [number, number, number, number, ParityClass, string][] = [
  [0, 0, 0, 0, 'ok', 'nothing cached, nothing written'],
  [100, 20, 100, 20, 'ok', 'backfilled'],
  [100, 0, 100, 0, 'ok', 'read only'],
  [0, 0, 100, 0, 'pending', 'backfill has not reached the row'],
  [0, 0, 0, 5, 'pending', 'only a write to fill'],
  [0, 0, 100, 5, 'pending', 'both to fill'],
  [50, 5, 0, 0, 'application_written', 'application wrote columns, metadata has no keys'],
  [30, 7, 0, 7, 'application_written', 'read written by the application, write equal to the rule'],
  [100, 9, 100, 0, 'application_written', 'write written by the application, read equal to the rule'],
  [90, 0, 80, 0, 'conflict', 'read differs from a non-zero rule value'],
  [10, 0, 10, 5, 'conflict', 'write left 0 while the metadata says 5: the backfill skips the row'],
  [0, 5, 100, 5, 'conflict', 'read left 0, write set'],
  [50, 0, 0, 5, 'conflict', 'application read, but write missing'],
  [1, 1, 2, 2, 'conflict', 'both differ'],
];

describe('classifyParity', () => {
  it.each(CASES)('columns %i/%i, rule %i/%i → %s (%s)', (cr, cw, rr, rw, expected) => {
    expect(classifyParity({ columnRead: BigInt(cr), columnWrite: BigInt(cw), ruleRead: BigInt(rr), ruleWrite: BigInt(rw) })).toBe(expected);
  });

  it('is exact beyond 2^53', () => {
    const big = 9223372036854775807n;
    expect(classifyParity({ columnRead: big, columnWrite: 0n, ruleRead: big - 1n, ruleWrite: 0n })).toBe('conflict');
    expect(classifyParity({ columnRead: big, columnWrite: 0n, ruleRead: big, ruleWrite: 0n })).toBe('ok');
  });
});

describe('parityClassSql', () => {
  it('is the same decision, in the same order, as a CASE over the four inputs', () => {
    expect(parityClassSql('cr', 'cw', 'rr', 'rw').replace(/\s+/g, ' ').trim()).toBe(
      "CASE WHEN cr = rr AND cw = rw THEN 'ok' WHEN cr = 0 AND cw = 0 THEN 'pending' WHEN (cr = rr OR rr = 0) AND (cw = rw OR rw = 0) THEN 'application_written' ELSE 'conflict' END",
    );
  });
});

describe('classOfFlags: the census classifies from comparisons alone', () => {
  it('agrees with classifyParity on every combination of small values', () => {
    const values = [0n, 1n, 2n];
    for (const columnRead of values)
      for (const columnWrite of values)
        for (const ruleRead of values)
          for (const ruleWrite of values) {
            const flags = {
              columnsZero: columnRead === 0n && columnWrite === 0n,
              readEqual: columnRead === ruleRead,
              writeEqual: columnWrite === ruleWrite,
              ruleReadZero: ruleRead === 0n,
              ruleWriteZero: ruleWrite === 0n,
            };
            expect(classOfFlags(flags)).toBe(classifyParity({ columnRead, columnWrite, ruleRead, ruleWrite }));
          }
  });
});
