/**
 * What one value under one of the rule's keys counts as. The SQL compiled in sql.ts makes
 * exactly the same decisions; test/integration/rule-equivalence.test.ts checks the two agree.
 */
import { MAX_BIGINT, type AnomalyClass } from './definition.js';
import type { JsonValue } from './json-text.js';

export type ValueVerdict = { status: 'absent' } | { status: 'valid'; value: bigint } | { status: 'anomaly'; anomaly: AnomalyClass };

const ABSENT: ValueVerdict = { status: 'absent' };

/**
 * PostgreSQL's int8 input skips these around the digits (isspace() in the C locale); they are
 * spelled out so that no engine's idea of Unicode whitespace can creep in.
 */
const SPACE_CLASS = '[ \\t\\n\\r\\v\\f]';
/** A valid numeric string: optional spaces, optional '+', ASCII digits, optional spaces. */
export const VALID_STRING_PATTERN = `^${SPACE_CLASS}*[+]?[0-9]+${SPACE_CLASS}*$`;
/** A negative integer string (its value decides: -0 is 0 and valid). */
export const NEGATIVE_STRING_PATTERN = `^${SPACE_CLASS}*-[0-9]+${SPACE_CLASS}*$`;

const VALID_STRING = new RegExp(VALID_STRING_PATTERN);
const NEGATIVE_STRING = new RegExp(NEGATIVE_STRING_PATTERN);
/** A JSON number (digits before the point required) or JavaScript's print of one (1e+21). */
const NUMBER_LITERAL = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

function rangeChecked(digits: string): ValueVerdict {
  const trimmed = digits.replace(/^0+/, '');
  if (trimmed.length > 19) return { status: 'anomaly', anomaly: 'out_of_range' };
  const value = trimmed === '' ? 0n : BigInt(trimmed);
  return value > MAX_BIGINT ? { status: 'anomaly', anomaly: 'out_of_range' } : { status: 'valid', value };
}

/** A JSON number literal, in any form JSON or JavaScript prints (1e3, 5376.0, 1E+21, -0). */
export function classifyNumberLiteral(literal: string): ValueVerdict {
  const match = NUMBER_LITERAL.exec(literal);
  if (!match) return { status: 'anomaly', anomaly: 'not_a_number' };
  const [, sign, intPart = '', fracPart = '', expPart = '0'] = match;
  const digits = `${intPart}${fracPart}`;
  const firstNonZero = digits.search(/[1-9]/);
  if (firstNonZero === -1) return { status: 'valid', value: 0n };
  if (sign === '-') return { status: 'anomaly', anomaly: 'negative' };
  // The decimal point sits after `point` digits of `digits`.
  const exponent = Number(expPart);
  const point = intPart.length + exponent;
  if (point <= firstNonZero) return { status: 'anomaly', anomaly: 'fractional' };
  if (/[1-9]/.test(digits.slice(Math.max(point, 0)))) return { status: 'anomaly', anomaly: 'fractional' };
  // Integral from here on; its significant digits start at firstNonZero.
  if (point - firstNonZero > 19) return { status: 'anomaly', anomaly: 'out_of_range' };
  const integerDigits = point <= digits.length ? digits.slice(0, point) : digits + '0'.repeat(point - digits.length);
  return rangeChecked(integerDigits);
}

export function classifyString(value: string): ValueVerdict {
  if (VALID_STRING.test(value)) return rangeChecked(value.replace(/[^0-9]/g, ''));
  if (NEGATIVE_STRING.test(value)) {
    return /[1-9]/.test(value) ? { status: 'anomaly', anomaly: 'negative' } : { status: 'valid', value: 0n };
  }
  return { status: 'anomaly', anomaly: 'not_a_number' };
}

export function classifyValue(value: JsonValue | undefined): ValueVerdict {
  if (value === undefined) return ABSENT;
  switch (value.kind) {
    case 'null':
      return ABSENT;
    case 'number':
      return classifyNumberLiteral(value.literal);
    case 'string':
      return classifyString(value.value);
    default:
      return { status: 'anomaly', anomaly: 'not_a_number' };
  }
}
