/**
 * Statements as snapshot files a reviewer reads: each statement's text as it is sent, under a
 * comment naming it and listing its parameters ($n = the value as JSON). A recording database
 * captures what a function that talks to the database sends, for statements not built apart.
 */
import type { QueryResult, Queryable } from '../../src/db/port.js';
import type { DbRow } from '../../src/db/row.js';
import type { Statement } from '../../src/db/sql.js';

export interface ShownStatement {
  /** What the statement is, for the reader: the first comment line. */
  title: string;
  text: string;
  values?: readonly unknown[];
}

/** A built statement under its title. */
export function titled(title: string, statement: Statement): ShownStatement {
  return { title, text: statement.text, values: statement.values };
}

/** The snapshot file's text: every statement, each under its title and its parameters. */
export function statementFile(statements: readonly ShownStatement[]): string {
  return `${statements
    .map(({ title, text, values = [] }) =>
      [`-- ${title}`, ...values.map((v, i) => `-- $${i + 1} = ${JSON.stringify(v)}`), `${text};`].join('\n'),
    )
    .join('\n\n')}\n`;
}

/** A Queryable that answers every statement with `rows` and keeps what it was sent. */
export function recordingDb(rows: (text: string) => DbRow[] = () => [{}]): Queryable & { sent: { text: string; values: unknown[] }[] } {
  const sent: { text: string; values: unknown[] }[] = [];
  return {
    sent,
    async query<R extends DbRow = DbRow>(text: string, values: unknown[] = []): Promise<QueryResult<R>> {
      sent.push({ text, values });
      const answer = rows(text) as R[];
      return { rows: answer, rowCount: answer.length };
    },
  };
}

/**
 * What `run` sends to a recording database, each statement titled `title` (numbered when there
 * are several, BEGIN and COMMIT included: they show the transaction's bounds).
 */
export async function sentBy(
  title: string,
  run: (db: Queryable) => Promise<unknown>,
  rows?: (text: string) => DbRow[],
): Promise<ShownStatement[]> {
  const db = recordingDb(rows);
  await run(db);
  return db.sent.map((s, i) => ({ title: db.sent.length > 1 ? `${title} (${i + 1} of ${db.sent.length})` : title, ...s }));
}
