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
}

export interface TransactionSampler {
  stop(): Promise<TransactionSample>;
}

interface ActivityRow {
  pid: number;
  xact_start: string | null;
  age_ms: number;
  application_name: string;
  query: string;
  writing: boolean;
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
  let stopped = false;
  let failure: unknown;
  const cpu = new BackendCpu();
  const activity = () =>
    client.query<ActivityRow>(
      `SELECT pid, xact_start::text AS xact_start, application_name, left(query, 300) AS query, backend_xid IS NOT NULL AS writing,
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
        for (const row of rows) {
          if (row.xact_start === null) continue;
          const key = `${row.pid}@${row.xact_start}`;
          const age = Number(row.age_ms);
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
      } catch (error) {
        failure = error;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
      await client.end();
      if (failure) throw failure;
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
      };
    },
  };
}
