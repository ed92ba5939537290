/**
 * A connection that sends each of its statements as a named prepared statement: parsed,
 * analysed and planned by the server once per session instead of at every call.
 *
 * A backfill sends the same few statements thousands of times (a judge, a round, the ledger's
 * writes, the gate's reads), each text the same and only its parameters new. Unnamed, every call
 * pays the parse, the analysis and the plan again: perf put 8–9% of the backend's CPU there on a
 * 300K-row run, the judge's rule (a statement of about 13 kB) and ten small statements a step
 * among them (docs/benchmarks.md).
 *
 * Only on a connection that is its own server session: a prepared statement lives in the server
 * session, and behind a transaction-mode pooler the next statement may run on another one, which
 * has never heard of it. Transaction control and settings (BEGIN, SET, …) stay unnamed: they have
 * no plan to keep. So does a text holding several statements, which the extended protocol
 * refuses. After MAX_PREPARED texts a session prepares no more: a statement whose text changed
 * with every call would otherwise grow the server's cache for as long as the session lasts.
 *
 * PostgreSQL plans a prepared statement for its parameters five times, then keeps a generic plan
 * if it costs no more (plan_cache_mode = auto). Plans follow the settings in force when they are
 * made: the statements that need a setting (enable_seqscan off for a TID range scan) get it in
 * every transaction they run in, so every plan of theirs is made under it.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { QueryResult, Session } from './port.js';
import type { DbRow } from './row.js';

/** Texts a session prepares at most; later new texts go unnamed. */
export const MAX_PREPARED = 200;

/** Statements worth a plan: the others (BEGIN, COMMIT, SET, SAVEPOINT, …) are sent as they are. */
const PLANNED = /^\s*(SELECT|WITH|UPDATE|INSERT|DELETE)\b/i;

/** Whether `text` is sent as a named prepared statement (one planned statement, no `;` in it). */
export function preparable(text: string): boolean {
  return PLANNED.test(text) && !text.includes(';');
}

class PreparingSession implements Session {
  private readonly names = new Map<string, string>();
  /**
   * Names of this connection's own: a session-mode pooler that resets nothing between clients
   * (server_reset_query empty) can hand it a server session that still holds another client's
   * prepared statements, and preparing a name it holds fails (42P05).
   */
  private readonly prefix = `aibridge_migrate_${randomBytes(4).toString('hex')}_`;

  constructor(private readonly client: pg.Client) {}

  async query<R extends DbRow = DbRow>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    const name = this.nameOf(text);
    if (name === null) return this.client.query<R>(text, values);
    return this.client.query<R>({ name, text, values });
  }

  private nameOf(text: string): string | null {
    const known = this.names.get(text);
    if (known !== undefined) return known;
    if (this.names.size >= MAX_PREPARED || !preparable(text)) return null;
    const name = `${this.prefix}${this.names.size + 1}`;
    this.names.set(text, name);
    return name;
  }

  end(): Promise<void> {
    return this.client.end();
  }
}

/** `client`, sending its statements as named prepared statements (see above). */
export function preparingStatements(client: pg.Client): Session {
  return new PreparingSession(client);
}
