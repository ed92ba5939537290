/**
 * Longest single transaction, sampled: every `intervalMs` a separate connection reads
 * pg_stat_activity for the backends connected to the contender's database and notes how old
 * each open transaction (pid, xact_start) has become. A transaction's figure is the age at its
 * last sighting, so the result is a lower bound, short by at most one interval plus the
 * sampling query's own time; transactions shorter than an interval may go unseen.
 *
 * The longest transaction that holds a transaction id (it has written; pg_stat_activity
 * backend_xid) is kept apart: a read-only one (the backfill's single-snapshot convergence count)
 * holds no row lock and blocks no writer, though its snapshot does hold back vacuum.
 *
 * Why sample rather than trust the tool's own timings: this sees every transaction the
 * contender opens — the migration's, the ledger's, the batches' — measured by the server.
 *
 * Each sighting also notes what the backend was doing: running a statement or idle in the
 * transaction (the client's turn: its round trip, or its process stalled), and the server's wait
 * event if it waited (an I/O, a WAL write, a lock); in brackets, the server's own processes
 * (WAL writer, checkpointer, background writer) that were waiting on an I/O or a lock at that
 * moment, which names who held what a stalled backend waited for. A transaction over the limit
 * is kept with that trail of sightings, so a stall can be told apart from a batch that was
 * simply too big.
 */
import pg from 'pg';
import { BackendCpu } from './backend-cpu.js';

export interface TransactionSample {
  longestMs: number;
  /** application_name of the backend that ran the longest transaction. */
  longestApplication: string | null;
  /** The statement that transaction was running (or last ran) when it was last seen. */
  longestQuery: string | null;
  /** Distinct transactions seen open at least once. */
  transactionsSeen: number;
  /** The longest transaction seen holding a transaction id (one that wrote), and what it ran. */
  longestWritingMs: number;
  longestWritingQuery: string | null;
  samples: number;
  intervalMs: number;
  /** CPU of the backends connected to the database while sampling (backend-cpu.ts); null when unreadable. */
  backendCpuMs: number | null;
  /**
   * Transactions last seen at least SLOW_MS old (at most SLOW_KEPT, the longest first), each
   * with its sightings; absent in results from before it was recorded.
   */
  slow?: SlowTransaction[];
}

/** One sighting of an open transaction: its age then, and what its backend was doing. */
export interface Sighting {
  ageMs: number;
  /** `active`, `idle in transaction`, …, with the wait event when there was one (`active IO:WALSync`). */
  doing: string;
}

export interface SlowTransaction {
  ms: number;
  application: string;
  /** It held a transaction id (it wrote). */
  writing: boolean;
  sightings: Sighting[];
}

/** Transactions at least this old when last seen are kept with their sightings (the limit is 250 ms). */
export const SLOW_MS = 200;
const SLOW_KEPT = 20;
/** Sightings kept per transaction: at 20 ms, a transaction's first 1.6 s. */
const SIGHTINGS_KEPT = 80;

export interface TransactionSampler {
  /** Counts this backend's CPU now (a backend of the contender's own that is about to end). */
  observeBackend(pid: number): void;
  stop(): Promise<TransactionSample>;
}

interface ActivityRow {
  pid: number;
  xact_start: string | null;
  age_ms: number;
  application_name: string;
  query: string;
  writing: boolean;
  doing: string;
}

interface OpenTransaction {
  ms: number;
  application: string;
  writing: boolean;
  sightings: Sighting[];
}

export async function startTransactionSampler(options: {
  adminUrl: string;
  database: string;
  /** Backends to ignore (e.g. the writer-under-load), by application_name. */
  excludeApplications?: string[];
  intervalMs?: number;
}): Promise<TransactionSampler> {
  const intervalMs = options.intervalMs ?? 20;
  const client = new pg.Client({ connectionString: options.adminUrl, application_name: 'aibridge-bench-sampler' });
  // Without a listener, the server going away (e.g. stopped on Ctrl-C) would crash the runner.
  client.on('error', () => {});
  await client.connect();
  const longestByTxn = new Map<string, number>();
  let longestMs = 0;
  let longestApplication: string | null = null;
  let longestQuery: string | null = null;
  let longestWritingMs = 0;
  let longestWritingQuery: string | null = null;
  let samples = 0;
  const open = new Map<string, OpenTransaction>();
  const slow: SlowTransaction[] = [];
  const settle = (txn: OpenTransaction) => {
    if (txn.ms < SLOW_MS) return;
    slow.push({ ...txn });
    slow.sort((a, b) => b.ms - a.ms);
    slow.length = Math.min(slow.length, SLOW_KEPT);
  };
  let stopped = false;
  let failure: unknown;
  const cpu = new BackendCpu();
  const activity = () =>
    client.query<ActivityRow>(
      `SELECT pid, xact_start::text AS xact_start, application_name, left(query, 300) AS query, backend_xid IS NOT NULL AS writing,
              concat_ws(' ', state, wait_event_type || ':' || wait_event,
                        '[' || (SELECT string_agg(o.backend_type || ' ' || o.wait_event_type || ':' || o.wait_event, ', ' ORDER BY o.backend_type)
                                  FROM pg_stat_activity AS o
                                 WHERE o.backend_type <> 'client backend' AND o.wait_event_type IN ('IO', 'LWLock', 'Lock')) || ']') AS doing,
              (extract(epoch FROM clock_timestamp() - xact_start) * 1000)::float8 AS age_ms
         FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid()
          AND backend_type = 'client backend' AND application_name <> ALL($2::text[])`,
      [options.database, options.excludeApplications ?? []],
    );
  cpu.start((await activity()).rows.map((row) => row.pid));

  const loop = (async () => {
    while (!stopped) {
      try {
        const { rows } = await activity();
        samples += 1;
        cpu.observe(rows.map((row) => row.pid));
        const seen = new Set<string>();
        for (const row of rows) {
          if (row.xact_start === null) continue;
          const key = `${row.pid}@${row.xact_start}`;
          const age = Number(row.age_ms);
          seen.add(key);
          const txn = open.get(key) ?? { ms: 0, application: row.application_name, writing: false, sightings: [] };
          open.set(key, txn);
          txn.ms = Math.max(txn.ms, age);
          txn.writing ||= row.writing;
          if (txn.sightings.length < SIGHTINGS_KEPT) txn.sightings.push({ ageMs: Math.round(age), doing: row.doing });
          if (age > (longestByTxn.get(key) ?? -1)) longestByTxn.set(key, age);
          if (age > longestMs) {
            longestMs = age;
            longestApplication = row.application_name;
            longestQuery = row.query;
          }
          if (row.writing && age > longestWritingMs) {
            longestWritingMs = age;
            longestWritingQuery = row.query;
          }
        }
        for (const [key, txn] of open) {
          if (seen.has(key)) continue;
          open.delete(key);
          settle(txn);
        }
      } catch (error) {
        failure = error;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();

  return {
    observeBackend(pid) {
      cpu.observe([pid]);
    },
    async stop() {
      stopped = true;
      await loop;
      await client.end();
      if (failure) throw failure;
      for (const txn of open.values()) settle(txn);
      return {
        longestMs,
        longestApplication,
        longestQuery,
        transactionsSeen: longestByTxn.size,
        longestWritingMs,
        longestWritingQuery,
        samples,
        intervalMs,
        backendCpuMs: cpu.totalMs(),
        slow,
      };
    },
  };
}
