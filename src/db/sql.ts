/**
 * Statements as tagged templates: sql`… ${value} …` binds every value as a parameter and numbers
 * the parameters itself, in the order they appear, when the statement's text is read. A
 * fragment built apart (a window's condition, a summary row, a join) is embedded as it is and
 * renumbered with the rest, so no code counts parameters. Text enters a statement only as a
 * fragment: another sql`…`, a name quoted by identifier.ts, a literal of the toolkit's own
 * constants, or SQL text its code built (`unsafeRaw`: the rule's expressions).
 */
import { quoteIdent } from './identifier.js';
import { constantLiteral } from './literal.js';

/** A statement as pg takes it. */
export interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

/** A value used at several places of one statement: one parameter, one number. */
export class Param {
  constructor(readonly value: unknown) {
    if (value === undefined) throw new TypeError('an SQL parameter cannot be undefined (pass null for NULL)');
  }
}

/** A value for several places of one statement (`${p}` twice is `$n` twice). */
export function param(value: unknown): Param {
  return new Param(value);
}

type Piece = string | Param;

/** A statement or a fragment of one; its `text` and `values` number the parameters from $1. */
export class Sql implements Statement {
  #rendered: { text: string; values: unknown[] } | undefined;

  constructor(readonly pieces: readonly Piece[]) {}

  get text(): string {
    return this.#render().text;
  }

  get values(): unknown[] {
    return this.#render().values;
  }

  #render(): { text: string; values: unknown[] } {
    if (this.#rendered) return this.#rendered;
    const numbers = new Map<Param, number>();
    let text = '';
    for (const piece of this.pieces) {
      if (typeof piece === 'string') text += piece;
      else {
        if (!numbers.has(piece)) numbers.set(piece, numbers.size + 1);
        text += `$${numbers.get(piece)}`;
      }
    }
    this.#rendered = { text, values: [...numbers.keys()].map((p) => p.value) };
    return this.#rendered;
  }
}

/** `$1`… written by hand would collide with the numbers given here. */
function constantText(text: string): string {
  if (/\$\d/.test(text))
    throw new TypeError(`SQL text numbers a parameter by hand (${JSON.stringify(text.slice(0, 80))}): bind it with \${…}`);
  return text;
}

/** `${fragment}` is embedded (renumbered with the rest); any other `${value}` is a parameter. */
export function sql(strings: TemplateStringsArray, ...inserts: unknown[]): Sql {
  const pieces: Piece[] = [constantText(strings[0]!)];
  inserts.forEach((insert, i) => {
    if (insert instanceof Sql) pieces.push(...insert.pieces);
    else pieces.push(insert instanceof Param ? insert : new Param(insert));
    pieces.push(constantText(strings[i + 1]!));
  });
  return new Sql(pieces);
}

/** `parts` one after another, `separator` (constant text) between them; empty for none. */
export function join(parts: readonly Sql[], separator: string): Sql {
  return new Sql(parts.flatMap((part, i) => (i === 0 ? part.pieces : [constantText(separator), ...part.pieces])));
}

/** An identifier, quoted by identifier.ts. */
export function identifier(name: string): Sql {
  return new Sql([quoteIdent(name)]);
}

const QUOTED_NAME = /^"(?:[^"]|"")+"(?:\."(?:[^"]|"")+")?$/;

/** A name identifier.ts has already quoted (`"name"` or `"schema"."name"`), as names.ts keeps them. */
export function quoted(name: string): Sql {
  if (!QUOTED_NAME.test(name)) throw new TypeError(`${JSON.stringify(name)} is not a name quoted by identifier.ts`);
  return new Sql([name]);
}

/** A string literal for a constant of this toolkit's own code (literal.ts): a rule key, a class name. */
export function literal(value: string): Sql {
  return new Sql([constantLiteral(value)]);
}

/**
 * SQL text this toolkit's own code wrote: the rule's expressions, constant literals
 * (literal.ts), column lists. Never anything that came from options or users: those are values.
 */
export function unsafeRaw(text: string): Sql {
  return new Sql([constantText(text)]);
}
