/**
 * The one shape every command talks to the database through. pg.Client satisfies it, and so
 * does any wrapper a test puts around one (to count statements or act at an exact point).
 */
import type { DbRow } from './row.js';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number | null;
}

export interface Queryable {
  query<R extends DbRow = DbRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/** A connection of our own: closing it ends the server session and every session-level lock. */
export interface Session extends Queryable {
  end(): Promise<void>;
}

/** Opens a session; called again after a connection loss. */
export type Connector = () => Promise<Session>;

/** Runs `work` on a fresh session and always closes it. */
export async function withSession<T>(connect: Connector, work: (session: Session) => Promise<T>): Promise<T> {
  const session = await connect();
  try {
    return await work(session);
  } finally {
    await session.end().catch(() => {});
  }
}
