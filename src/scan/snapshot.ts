/**
 * One snapshot for a whole-table read: a REPEATABLE READ, READ ONLY transaction on the leading
 * session, and, for a walk over several sessions, helper sessions that import it
 * (pg_export_snapshot / SET TRANSACTION SNAPSHOT), so every chunk of every session sees the
 * same committed rows and nothing else. Read only: no transaction id is ever assigned and
 * nothing is written.
 *
 * The helpers open their transaction at the start of each walk and commit at its end, so none
 * of them sits idle in a transaction while the leader reads alone in between. The export stays
 * valid for as long as the leader's transaction is open.
 */
import { isConnectionLoss } from '../db/pg-errors.js';
import { param, sql, type Sql } from '../db/sql.js';
import { withTransaction } from '../db/transaction.js';
import type { Connector, Queryable, Session } from '../db/port.js';
import type { Log } from '../runtime.js';
import type { SessionLimits } from './limits.js';

export interface SnapshotFacts {
  /** The transaction's start (now()), a few microseconds before its snapshot. */
  takenAt: Date;
  serverVersionNum: number;
  limits: SessionLimits;
  /** Heap pages of each table, read inside the snapshot (0 for a table that does not exist). */
  pages: { usages: number; interceptions: number };
  /** pg_class.reltuples of the usage table (0 or less when never analyzed). */
  estimatedRows: number;
}

export interface Snapshot {
  readonly facts: SnapshotFacts;
  /** The leading session, inside the snapshot's transaction. */
  readonly db: Queryable;
  /** How many sessions a walk may use (helpers that could not be opened are not counted). */
  readonly sessions: number;
  /** Runs `work` with every session inside the snapshot: the leader first, then the helpers. */
  withSessions<T>(work: (sessions: Queryable[]) => Promise<T>): Promise<T>;
}

export interface SnapshotOptions {
  /** Sessions a walk may use, the leader included. */
  sessions: number;
  /** Opens a helper session. */
  connect: Connector;
  /** The tables, quoted and qualified, whose sizes the walk needs. */
  usages: string;
  interceptions: string;
  log: Pick<Log, 'debug' | 'warn'>;
}

/**
 * The size of each table is read in the transaction's first statement, after PostgreSQL has
 * taken its snapshot (a REPEATABLE READ transaction takes it at the start of its first
 * statement). Every row this snapshot can see was inserted by a transaction that committed
 * before it, and the page holding that row existed before the row was written: so it lies
 * within the size read after the snapshot. Pages added later hold only rows the snapshot cannot
 * see — PostgreSQL's own sequential scan relies on the same fact when it reads the size once,
 * at its start. (Read before the snapshot, the size could miss a page added and committed in
 * between.) An update after the snapshot writes its new version anywhere, possibly beyond; the
 * version this snapshot sees stays where it was, and no vacuum may remove it while this
 * snapshot holds back the horizon.
 */
function factsStatement(usages: string, interceptions: string): Sql {
  const table = param(usages);
  return sql`SELECT now() AS taken_at, current_setting('server_version_num')::int AS server_version_num,
       (SELECT setting::bigint FROM pg_settings WHERE name = 'statement_timeout') AS statement_timeout,
       (SELECT setting::bigint FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout') AS idle_in_transaction,
       (SELECT setting::bigint FROM pg_settings WHERE name = 'transaction_timeout') AS transaction_timeout,
       COALESCE(pg_relation_size(to_regclass(${table})), 0) / current_setting('block_size')::bigint AS usage_pages,
       COALESCE(pg_relation_size(to_regclass(${interceptions})), 0) / current_setting('block_size')::bigint AS interception_pages,
       COALESCE((SELECT reltuples FROM pg_class WHERE oid = to_regclass(${table})), 0)::float8 AS estimated_rows`;
}

/**
 * Runs `work` inside one snapshot on `leader`; COMMIT (read only) when it returns. Helper
 * sessions, when asked for, are opened lazily by the first walk and closed at the end.
 */
export async function withSnapshot<T>(leader: Queryable, options: SnapshotOptions, work: (snapshot: Snapshot) => Promise<T>): Promise<T> {
  const helpers: Session[] = [];
  let exporting = false;
  try {
    return await withTransaction(
      leader,
      async (db) => {
        const read = factsStatement(options.usages, options.interceptions);
        const { rows } = await db.query(read.text, read.values);
        const row = rows[0]!;
        const facts: SnapshotFacts = {
          takenAt: new Date(row.taken_at),
          serverVersionNum: Number(row.server_version_num),
          limits: {
            statementTimeoutMs: Number(row.statement_timeout ?? 0),
            idleInTransactionMs: Number(row.idle_in_transaction ?? 0),
            transactionTimeoutMs: row.transaction_timeout === null ? null : Number(row.transaction_timeout),
          },
          pages: { usages: Number(row.usage_pages), interceptions: Number(row.interception_pages) },
          estimatedRows: Number(row.estimated_rows),
        };
        // Exported in the transaction itself (PostgreSQL refuses to export from a savepoint):
        // a server that refuses aborts the transaction, and the walk starts over on one session.
        exporting = options.sessions > 1;
        const snapshotId = exporting ? String((await db.query('SELECT pg_export_snapshot() AS id')).rows[0]!.id) : null;
        exporting = false;
        let opened = false;
        const snapshot: Snapshot = {
          facts,
          db,
          get sessions() {
            return snapshotId === null ? 1 : opened ? 1 + helpers.length : options.sessions;
          },
          async withSessions(run) {
            if (snapshotId !== null && !opened) {
              opened = true;
              helpers.push(...(await openHelpers(options, options.sessions - 1)));
            }
            return withImported(db, helpers, snapshotId, run);
          },
        };
        return work(snapshot);
      },
      { mode: 'snapshot' },
    );
  } catch (error) {
    if (exporting && !isConnectionLoss(error)) {
      options.log.warn(`cannot share the snapshot with more sessions (${(error as Error).message}): reading with one session`);
      return withSnapshot(leader, { ...options, sessions: 1 }, work);
    }
    throw error;
  } finally {
    await Promise.all(helpers.map((h) => h.end().catch(() => {})));
  }
}

async function openHelpers(options: SnapshotOptions, count: number): Promise<Session[]> {
  const opened = await Promise.allSettled(Array.from({ length: count }, () => options.connect()));
  const sessions = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    options.log.warn(
      `opened ${sessions.length} of ${count} extra sessions (${(failed.reason as Error).message}): reading with ${sessions.length + 1}`,
    );
  }
  return sessions;
}

/**
 * Runs `run` with the leader and every helper inside the snapshot: each helper imports it in a
 * transaction of its own, committed when `run` ends (rolled back when it throws).
 */
function withImported<T>(
  leader: Queryable,
  helpers: Session[],
  snapshotId: string | null,
  run: (sessions: Queryable[]) => Promise<T>,
): Promise<T> {
  if (snapshotId === null || helpers.length === 0) return run([leader]);
  const enter = (n: number): Promise<T> =>
    n === helpers.length
      ? run([leader, ...helpers])
      : withTransaction(helpers[n]!, () => enter(n + 1), { mode: 'snapshot', importSnapshot: snapshotId });
  return enter(0);
}
