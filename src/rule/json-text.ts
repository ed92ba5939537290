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

/**
 * Parses JSON text as PostgreSQL's json parser accepts it, keeping number literals as text.
 * Iterative, with an explicit stack: PostgreSQL stores documents nested deeper than the
 * JavaScript call stack can recurse (12 000 levels fit its default max_stack_depth), and
 * evaluating such a row must not throw where the SQL does not.
 */
export function parseJsonText(text: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${i}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

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
        if (e !== undefined && e in ESCAPES) {
          out += ESCAPES[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          // Surrogate pairs arrive as two escapes; JavaScript strings are UTF-16, so appending
          // the two code units one after the other rebuilds the character.
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail('bad escape');
      } else {
        if (c < ' ') fail('control character in string');
        // Copy the run of plain characters in one slice: documents can hold megabyte strings.
        let end = i + 1;
        while (end < text.length && text[end] !== '"' && text[end] !== '\\' && text[end]! >= ' ') end++;
        out += text.slice(i, end);
        i = end;
      }
    }
    return fail('unterminated string');
  };

  const parseKey = (): string => {
    ws();
    if (text[i] !== '"') fail('expected a key');
    const key = parseString();
    ws();
    if (text[i] !== ':') fail("expected ':'");
    i++;
    return key;
  };

  type Frame = { kind: 'array'; items: JsonValue[] } | { kind: 'object'; entries: Map<string, JsonValue>; key: string };
  const stack: Frame[] = [];

  for (;;) {
    // Read one value; containers push a frame and continue with their first member.
    ws();
    const c = text[i];
    let value: JsonValue | undefined;
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        value = { kind: 'object', entries: new Map() };
      } else {
        stack.push({ kind: 'object', entries: new Map(), key: parseKey() });
        continue;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        value = { kind: 'array', items: [] };
      } else {
        stack.push({ kind: 'array', items: [] });
        continue;
      }
    } else if (c === '"') value = { kind: 'string', value: parseString() };
    else if (text.startsWith('true', i)) {
      i += 4;
      value = { kind: 'boolean', value: true };
    } else if (text.startsWith('false', i)) {
      i += 5;
      value = { kind: 'boolean', value: false };
    } else if (text.startsWith('null', i)) {
      i += 4;
      value = { kind: 'null' };
    } else {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (!match) return fail('unexpected character');
      i += match[0].length;
      value = { kind: 'number', literal: match[0] };
    }

    // Hand the value to the enclosing containers, closing every one that ends here.
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        ws();
        if (i !== text.length) fail('trailing characters');
        return value;
      }
      if (top.kind === 'object') {
        // Duplicate keys: the last one wins, as in PostgreSQL's jsonb and in JSON.parse.
        top.entries.delete(top.key);
        top.entries.set(top.key, value);
      } else top.items.push(value);
      ws();
      if (text[i] === ',') {
        i++;
        if (top.kind === 'object') top.key = parseKey();
        break;
      }
      if (text[i] === (top.kind === 'object' ? '}' : ']')) {
        i++;
        stack.pop();
        value = top.kind === 'object' ? { kind: 'object', entries: top.entries } : { kind: 'array', items: top.items };
        continue;
      }
      return fail(top.kind === 'object' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }
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
