import { describe, expect, it } from 'vitest';
import { classifyNumberLiteral, classifyString, classifyValue, type ValueVerdict } from '../../../src/rule/classify.js';

/** Test names stay readable when a case is 200 000 characters long. */
const label = (text: string) => (text.length > 40 ? `${JSON.stringify(text.slice(0, 12))}… (${text.length} chars)` : JSON.stringify(text));
const named = <T>(rows: [string, T][]): [string, string, T][] => rows.map(([text, verdict]) => [label(text), text, verdict]);

const valid = (value: bigint | string): ValueVerdict => ({ status: 'valid', value: BigInt(value) });
const anomaly = (a: 'not_a_number' | 'negative' | 'fractional' | 'out_of_range'): ValueVerdict => ({ status: 'anomaly', anomaly: a });

describe('classifyNumberLiteral: every form JSON and JavaScript print a number in', () => {
  it.each(
    named<ValueVerdict>([
      ['0', valid(0n)],
      ['7', valid(7n)],
      ['-0', valid(0n)],
      ['-0.0', valid(0n)],
      ['0.0', valid(0n)],
      ['0e10', valid(0n)],
      ['0.000e-5', valid(0n)],
      ['1e3', valid(1000n)],
      ['1E3', valid(1000n)],
      ['1e+3', valid(1000n)],
      ['1E+21', anomaly('out_of_range')],
      ['1e+21', anomaly('out_of_range')],
      ['1.5e1', valid(15n)],
      ['1.25e1', anomaly('fractional')],
      ['125e-1', anomaly('fractional')],
      ['1250e-1', valid(125n)],
      ['5e-7', anomaly('fractional')],
      ['5376.0', valid(5376n)],
      ['12.000', valid(12n)],
      ['12.5', anomaly('fractional')],
      ['12.0000000000000000000000001', anomaly('fractional')],
      ['9007199254740991', valid(9007199254740991n)],
      ['9007199254740992', valid(9007199254740992n)],
      ['9007199254740993', valid(9007199254740993n)],
      ['9223372036854775807', valid(9223372036854775807n)],
      ['9223372036854775807.0', valid(9223372036854775807n)],
      ['9.223372036854775807e18', valid(9223372036854775807n)],
      ['92233720368547758070e-1', valid(9223372036854775807n)],
      ['9223372036854775808', anomaly('out_of_range')],
      ['9223372036854775807.5', anomaly('fractional')],
      ['9223372036854775808.5', anomaly('fractional')],
      ['18446744073709551616', anomaly('out_of_range')],
      ['1e19', anomaly('out_of_range')],
      ['1e1000', anomaly('out_of_range')],
      ['1e999999999999999999999', anomaly('out_of_range')],
      [`1e${'9'.repeat(400)}`, anomaly('out_of_range')],
      ['1e-999999999999999999999', anomaly('fractional')],
      [`1e-${'9'.repeat(400)}`, anomaly('fractional')],
      [`0e${'9'.repeat(400)}`, valid(0n)],
      ['-5', anomaly('negative')],
      ['-0.5', anomaly('negative')],
      ['-1e30', anomaly('negative')],
      ['-9223372036854775808', anomaly('negative')],
      ['-9223372036854775809', anomaly('negative')],
    ]),
  )('%s', (_name, literal, verdict) => {
    expect(classifyNumberLiteral(literal)).toEqual(verdict);
  });

  it.each(['', '-', '.', '.5', '5.', '1e', 'e3', '0x10', 'NaN', 'Infinity', '1_000', ' 1'])(
    'rejects %j, which is not a number literal',
    (literal) => {
      expect(classifyNumberLiteral(literal)).toEqual(anomaly('not_a_number'));
    },
  );
});

describe('classifyString: decimal digits, surrounding ASCII whitespace and a leading + only', () => {
  it.each(
    named<ValueVerdict>([
      ['77', valid(77n)],
      ['0', valid(0n)],
      ['007', valid(7n)],
      [' 77 ', valid(77n)],
      ['+77', valid(77n)],
      ['  +000123  ', valid(123n)],
      ['\t\n\r\v\f77\t\n\r\v\f', valid(77n)],
      ['-0', valid(0n)],
      [' -00 ', valid(0n)],
      ['9223372036854775807', valid(9223372036854775807n)],
      [`${'0'.repeat(200_000)}42`, valid(42n)],
      ['9223372036854775808', anomaly('out_of_range')],
      ['9999999999999999999', anomaly('out_of_range')],
      ['12345678901234567890', anomaly('out_of_range')],
      ['1'.repeat(200_000), anomaly('out_of_range')],
      ['-5', anomaly('negative')],
      ['  -5  ', anomaly('negative')],
      ['-9223372036854775808', anomaly('negative')],
      ['-99999999999999999999', anomaly('negative')],
      ['', anomaly('not_a_number')],
      ['   ', anomaly('not_a_number')],
      ['+', anomaly('not_a_number')],
      ['-', anomaly('not_a_number')],
      ['+-5', anomaly('not_a_number')],
      ['-+5', anomaly('not_a_number')],
      ['- 5', anomaly('not_a_number')],
      ['+ 5', anomaly('not_a_number')],
      ['5 5', anomaly('not_a_number')],
      ['12.5', anomaly('not_a_number')],
      ['5376.0', anomaly('not_a_number')],
      ['1e3', anomaly('not_a_number')],
      ['1_000', anomaly('not_a_number')],
      ['0x10', anomaly('not_a_number')],
      ['0o17', anomaly('not_a_number')],
      ['0b101', anomaly('not_a_number')],
      ['abc', anomaly('not_a_number')],
      ['12abc', anomaly('not_a_number')],
      ['null', anomaly('not_a_number')],
      ['\u0663\u0664', anomaly('not_a_number')], // Arabic-Indic digits
      ['\uff11\uff12', anomaly('not_a_number')], // fullwidth digits
      ['\u00a077', anomaly('not_a_number')], // no-break space
      ['77\u2009', anomaly('not_a_number')], // thin space
      ['\u300077', anomaly('not_a_number')], // ideographic space
      ['\u2212' + '5', anomaly('not_a_number')], // unicode minus
      ['\u200b77', anomaly('not_a_number')], // zero-width space
    ]),
  )('%s', (_name, value, verdict) => {
    expect(classifyString(value)).toEqual(verdict);
  });
});

describe('classifyValue: what a JSON type under a key counts as', () => {
  it.each<[string, Parameters<typeof classifyValue>[0], ValueVerdict]>([
    ['absent key', undefined, { status: 'absent' }],
    ['JSON null', { kind: 'null' }, { status: 'absent' }],
    ['true', { kind: 'boolean', value: true }, anomaly('not_a_number')],
    ['false', { kind: 'boolean', value: false }, anomaly('not_a_number')],
    ['object', { kind: 'object', entries: new Map() }, anomaly('not_a_number')],
    ['array holding a number', { kind: 'array', items: [{ kind: 'number', literal: '5' }] }, anomaly('not_a_number')],
    ['number', { kind: 'number', literal: '5' }, valid(5n)],
    ['numeric string', { kind: 'string', value: '5' }, valid(5n)],
  ])('%s', (_label, value, verdict) => {
    expect(classifyValue(value)).toEqual(verdict);
  });
});
