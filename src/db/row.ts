/**
 * A row as pg returns it. Its columns are typed at run time by pg's type parsers (and by the
 * SQL that produced them), which TypeScript cannot see: code that reads a row converts each
 * column it uses (Number(row.n), String(row.id), …). This is the one place such untyped values
 * enter the code; everything past the mapping functions is typed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: the database boundary
export type DbRow = Record<string, any>;
