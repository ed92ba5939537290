/**
 * The one place an SQL identifier is produced. Names reach SQL from options (schema names,
 * table names), and options come from users, so every identifier is double-quoted with
 * embedded quotes doubled — the same rule as PostgreSQL's quote_ident(), applied always,
 * so case and unicode are preserved exactly.
 */

const MAX_IDENTIFIER_BYTES = 63;

export function quoteIdent(name: string): string {
  if (name.length === 0) throw new TypeError('an SQL identifier cannot be empty');
  if (name.includes('\u0000')) throw new TypeError('an SQL identifier cannot contain a NUL character');
  // PostgreSQL silently truncates longer names (NAMEDATALEN - 1), which would make two
  // distinct options refer to one object; refuse instead.
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw new TypeError(`SQL identifier "${name}" is longer than ${MAX_IDENTIFIER_BYTES} bytes`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."name"`, each part quoted. */
export function qualify(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
