/**
 * The PostgreSQL the benchmark runs on: a fresh embedded server with durability ON (WAL
 * volume and fsync cost are part of what is measured), or a server the caller names.
 */
import pg from 'pg';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { VERSION_SENSITIVE_SETTINGS } from './server-settings.js';

/**
 * Settings changed from the defaults, and why (shared_buffers is an option, see options.ts;
 * the checkpoint settings belong to the regime, regimes.ts, and are set with ALTER SYSTEM, which
 * a setting given on the command line would override):
 * - autovacuum off: a vacuum of the previous step's dead rows starting during the next step
 *   would add its WAL and I/O to that step. Heap sizes are therefore before any vacuum, which
 *   is what an operator sees right after the change.
 * - wal_keep_size: the WAL of a contender stays until pg_walinspect has read which pages it
 *   imaged (metrics/full-page-images.ts); checkpoints would otherwise recycle it.
 */
export const BENCH_SERVER_SETTINGS: Readonly<Record<string, string>> = {
  autovacuum: 'off',
  wal_keep_size: '24GB',
};

export interface BenchServer {
  /** Superuser URL of the server's `postgres` database. */
  adminUrl: string;
  description: string;
  stop(): Promise<void>;
}

export async function startBenchServer(options: {
  major: number;
  serverUrl?: string | undefined;
  sharedBuffers: string;
  /** --server-setting: applied last, so they win over the defaults above. */
  serverSettings?: Record<string, string>;
}): Promise<BenchServer> {
  if (options.serverUrl) {
    return { adminUrl: options.serverUrl, description: 'a server given with --server-url (its own settings)', stop: async () => {} };
  }
  const settings = { shared_buffers: options.sharedBuffers, ...BENCH_SERVER_SETTINGS, ...options.serverSettings };
  const server = await startEmbeddedServer({ major: options.major, settings });
  return {
    adminUrl: server.url,
    // PG_BINARIES (test/harness/embedded-server.ts): the machine's own build, not the npm package's.
    description: `${process.env.PG_BINARIES ? `PostgreSQL ${server.major} from ${process.env.PG_BINARIES}` : `embedded PostgreSQL ${server.major}`} (durability on; ${Object.entries(
      settings,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')})`,
    stop: () => server.stop(),
  };
}

export interface ServerFacts {
  version: string;
  versionNum: number;
  settings: Record<string, string>;
}

const REPORTED_SETTINGS = [
  'shared_buffers',
  'max_wal_size',
  'checkpoint_timeout',
  'autovacuum',
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'wal_compression',
  'wal_level',
  'wal_keep_size',
  'data_checksums',
  'io_method',
  'max_parallel_workers_per_gather',
  ...VERSION_SENSITIVE_SETTINGS,
];

/** The server's version and settings: REPORTED_SETTINGS and `alsoReport` (the --server-setting names). */
export async function serverFacts(adminUrl: string, alsoReport: readonly string[] = []): Promise<ServerFacts> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1) ORDER BY name`,
      [[...REPORTED_SETTINGS, ...alsoReport]],
    );
    const version = await client.query<{ v: string; n: string }>(`SELECT version() AS v, current_setting('server_version_num') AS n`);
    return {
      version: version.rows[0]!.v,
      versionNum: Number(version.rows[0]!.n),
      settings: Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} (${r.unit})` : r.setting])),
    };
  } finally {
    await client.end();
  }
}
