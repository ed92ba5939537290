/**
 * A JSON parser that keeps every number as its literal text. JSON.parse turns numbers into
 * doubles, which cannot hold integers above 2^53 exactly; the rule must judge 2^63-1 and 2^63
 * correctly, so it needs the digits.
 */

export type JsonValue =
  | { kind: 'null' }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'number'; literal: string }
  | { kind: 'string'; value: string }
  | { kind: 'array'; items: JsonValue[] }
  | { kind: 'object'; entries: Map<string, JsonValue> };

export class JsonSyntaxError extends SyntaxError {}

export function parseJsonText(text: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${i}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

  const parseString = (): string => {
    i++; // opening quote
    let out = '';
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail('bad escape');
      } else {
        if (c < ' ') fail('control character in string');
        out += c;
        i++;
      }
    }
    return fail('unterminated string');
  };

  const parseValue = (depth: number): JsonValue => {
    if (depth > 10_000) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries = new Map<string, JsonValue>();
      ws();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', entries };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = parseString();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        // Duplicate keys: the last one wins, as in PostgreSQL's jsonb and in JSON.parse.
        entries.delete(key);
        entries.set(key, parseValue(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return { kind: 'object', entries };
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const items: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', items };
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return { kind: 'array', items };
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { kind: 'string', value: parseString() };
    if (text.startsWith('true', i)) {
      i += 4;
      return { kind: 'boolean', value: true };
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return { kind: 'boolean', value: false };
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return { kind: 'null' };
    }
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (match) {
      i += match[0].length;
      return { kind: 'number', literal: match[0] };
    }
    return fail('unexpected character');
  };

  const value = parseValue(0);
  ws();
  if (i !== text.length) fail('trailing characters');
  return value;
}

/** Converts an already-parsed JavaScript value (numbers as number or bigint). */
export function fromJavaScript(value: unknown): JsonValue {
  if (value === null || value === undefined) return { kind: 'null' };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (typeof value === 'bigint') return { kind: 'number', literal: value.toString() };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { kind: 'null' };
    return { kind: 'number', literal: String(value) };
  }
  if (typeof value === 'string') return { kind: 'string', value };
  if (Array.isArray(value)) return { kind: 'array', items: value.map(fromJavaScript) };
  if (typeof value === 'object') {
    return { kind: 'object', entries: new Map(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromJavaScript(v)])) };
  }
  return { kind: 'null' };
}
