import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJsonText, type JsonValue } from '../../../src/rule/json-text.js';

const num = (literal: string): JsonValue => ({ kind: 'number', literal });
const str = (value: string): JsonValue => ({ kind: 'string', value });
const obj = (entries: [string, JsonValue][]): JsonValue => ({ kind: 'object', entries: new Map(entries) });

describe('parseJsonText', () => {
  it('keeps every numeral exactly as written, beyond what a double can hold', () => {
    const literals = [
      '9007199254740993',
      '9223372036854775807',
      '9223372036854775808',
      '5376.0',
      '12.000',
      '1E+21',
      '-0',
      '1e-1000',
      '123456789012345678901234567890',
    ];
    for (const literal of literals) expect(parseJsonText(literal)).toEqual(num(literal));
    expect(parseJsonText(`{"a": 9007199254740993}`)).toEqual(obj([['a', num('9007199254740993')]]));
  });

  it('keeps the last of duplicate keys, as jsonb does', () => {
    const parsed = parseJsonText('{"k": 1, "x": true, "k": "two"}');
    expect(parsed).toEqual(
      obj([
        ['x', { kind: 'boolean', value: true }],
        ['k', str('two')],
      ]),
    );
  });

  it.each<[string, string]>([
    ['"\\u0037\\u0037"', '77'],
    ['"a\\"b\\\\c\\/d"', 'a"b\\c/d'],
    ['"\\b\\f\\n\\r\\t"', '\b\f\n\r\t'],
    ['"\\u000b"', '\v'],
    ['"\\u00e9t\\u00E9"', 'été'],
    ['"\\ud83d\\ude00"', '\u{1F600}'],
    ['"caché 缓存 😀"', 'caché 缓存 😀'],
  ])('decodes the escapes in %s', (text, value) => {
    expect(parseJsonText(text)).toEqual(str(value));
  });

  it('decodes escaped keys, so "cache\\u005fread_input" is the rule key', () => {
    const parsed = parseJsonText('{"cache\\u005fread_input": 8}');
    expect(parsed).toEqual(obj([['cache_read_input', num('8')]]));
  });

  it('parses nesting deeper than the call stack allows (PostgreSQL stores 12 000 levels)', () => {
    const depth = 20_000;
    let parsed = parseJsonText(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
    let levels = 0;
    while (parsed.kind === 'array') {
      parsed = parsed.items[0]!;
      levels++;
    }
    expect(levels).toBe(depth);
    expect(parsed).toEqual(num('1'));
    let objects = parseJsonText(`${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`);
    levels = 0;
    while (objects.kind === 'object' && objects.entries.has('a')) {
      objects = objects.entries.get('a')!;
      levels++;
    }
    expect(levels).toBe(depth);
  });

  it('parses containers with several members and whitespace everywhere JSON allows it', () => {
    const parsed = parseJsonText(' \t\n{ "a" : [ 1 , "x" , null , { } , [ ] ] ,\r\n "b" : false } ');
    expect(parsed).toEqual(
      obj([
        ['a', { kind: 'array', items: [num('1'), str('x'), { kind: 'null' }, obj([]), { kind: 'array', items: [] }] }],
        ['b', { kind: 'boolean', value: false }],
      ]),
    );
  });

  it('reads a megabyte string without quadratic copying', () => {
    const big = 'x'.repeat(1 << 20);
    expect(parseJsonText(`{"blob": "${big}"}`)).toEqual(obj([['blob', str(big)]]));
  });

  it.each([
    '',
    '{',
    '}',
    '[1,]',
    '{"a":1,}',
    '{"a" 1}',
    '{a:1}',
    '[1 2]',
    '01',
    '1.',
    '.5',
    '+1',
    'NaN',
    'tru',
    'nul',
    '"unterminated',
    '"bad \\x escape"',
    '"\\u12"',
    '"tab\tinside"',
    '{} {}',
    '[]]',
  ])('rejects %j', (text) => {
    expect(() => parseJsonText(text)).toThrow(JsonSyntaxError);
  });
});
