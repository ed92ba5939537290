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
  const reader = new JsonReader(text);
  const stack: Frame[] = [];
  for (;;) {
    // Read one value; a container pushes a frame and continues with its first member.
    let value = reader.value(stack);
    if (value === null) continue;
    // Hand the value to the enclosing containers, closing every one that ends here.
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) return reader.end(value);
      addMember(top, value);
      if (reader.nextMember(top)) break;
      stack.pop();
      value = top.kind === 'object' ? { kind: 'object', entries: top.entries } : { kind: 'array', items: top.items };
    }
  }
}

/** A container being read: its members so far, and for an object the key of the member being read. */
type Frame = { kind: 'array'; items: JsonValue[] } | { kind: 'object'; entries: Map<string, JsonValue>; key: string };

function addMember(frame: Frame, value: JsonValue): void {
  if (frame.kind === 'array') {
    frame.items.push(value);
    return;
  }
  // Duplicate keys: the last one wins, as in PostgreSQL's jsonb and in JSON.parse.
  frame.entries.delete(frame.key);
  frame.entries.set(frame.key, value);
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** The text and a position in it; each method reads one token from there. */
class JsonReader {
  private i = 0;

  constructor(private readonly text: string) {}

  private fail(what: string): never {
    throw new JsonSyntaxError(`${what} at position ${this.i}`);
  }

  private ws(): void {
    const { text } = this;
    while (this.i < text.length && (text[this.i] === ' ' || text[this.i] === '\t' || text[this.i] === '\n' || text[this.i] === '\r'))
      this.i++;
  }

  /** The value at the cursor; null when it opens a non-empty container, whose frame it pushes. */
  value(stack: Frame[]): JsonValue | null {
    const { text } = this;
    this.ws();
    const c = text[this.i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      this.i++;
      this.ws();
      if (text[this.i] === close) {
        this.i++;
        return c === '{' ? { kind: 'object', entries: new Map() } : { kind: 'array', items: [] };
      }
      stack.push(c === '{' ? { kind: 'object', entries: new Map(), key: this.key() } : { kind: 'array', items: [] });
      return null;
    }
    if (c === '"') return { kind: 'string', value: this.string() };
    for (const [word, make] of LITERALS) {
      if (text.startsWith(word, this.i)) {
        this.i += word.length;
        return make();
      }
    }
    NUMBER.lastIndex = this.i;
    const match = NUMBER.exec(text);
    if (!match) return this.fail('unexpected character');
    this.i += match[0].length;
    return { kind: 'number', literal: match[0] };
  }

  /** After a member of `frame`: true at ',' (an object's next key read too), false at its end. */
  nextMember(frame: Frame): boolean {
    this.ws();
    const c = this.text[this.i];
    if (c === ',') {
      this.i++;
      if (frame.kind === 'object') frame.key = this.key();
      return true;
    }
    if (c === (frame.kind === 'object' ? '}' : ']')) {
      this.i++;
      return false;
    }
    return this.fail(frame.kind === 'object' ? "expected ',' or '}'" : "expected ',' or ']'");
  }

  /** The whole document was `value`: nothing but whitespace may follow. */
  end(value: JsonValue): JsonValue {
    this.ws();
    if (this.i !== this.text.length) this.fail('trailing characters');
    return value;
  }

  private key(): string {
    this.ws();
    if (this.text[this.i] !== '"') this.fail('expected a key');
    const key = this.string();
    this.ws();
    if (this.text[this.i] !== ':') this.fail("expected ':'");
    this.i++;
    return key;
  }

  private string(): string {
    const { text } = this;
    this.i++; // opening quote
    let out = '';
    while (this.i < text.length) {
      const c = text[this.i]!;
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === '\\') out += this.escape();
      else {
        if (c < ' ') this.fail('control character in string');
        // Copy the run of plain characters in one slice: documents can hold megabyte strings.
        let end = this.i + 1;
        while (end < text.length && text[end] !== '"' && text[end] !== '\\' && text[end]! >= ' ') end++;
        out += text.slice(this.i, end);
        this.i = end;
      }
    }
    return this.fail('unterminated string');
  }

  /** The escape sequence at the cursor, decoded. */
  private escape(): string {
    const { text, i } = this;
    const e = text[i + 1];
    if (e !== undefined && e in ESCAPES) {
      this.i += 2;
      return ESCAPES[e]!;
    }
    if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      // Surrogate pairs arrive as two escapes; JavaScript strings are UTF-16, so appending
      // the two code units one after the other rebuilds the character.
      this.i += 6;
      return String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
    }
    return this.fail('bad escape');
  }
}

/** A fresh value per occurrence: callers may hold on to what they are given. */
const LITERALS: readonly [string, () => JsonValue][] = [
  ['true', () => ({ kind: 'boolean', value: true })],
  ['false', () => ({ kind: 'boolean', value: false })],
  ['null', () => ({ kind: 'null' })],
];

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
