/**
 * An emulator of Coder's own migration runner (coderd/database/migrations: migrate.go,
 * txnmigrator.go), following its protocol exactly, so tests can play a Coder upgrade against
 * what the toolkit left behind:
 *
 *   BEGIN; SELECT pg_advisory_xact_lock(1037453835920848937);
 *   read schema_migrations (a dirty row is refused);
 *   for each pending migration: TRUNCATE + INSERT (v, true); the file's SQL; TRUNCATE + INSERT (v, false);
 *   COMMIT — and any failure rolls the whole batch back (version unchanged, clean).
 *
 * Its migrations: fillers 456–460 (trivial tables), 461 = the upstream SQL (plain ADD COLUMN,
 * then the one UPDATE with ::bigint casts), 462 = an index on cache_read_input_tokens, which
 * depends on the columns.
 */
import pg from 'pg';
import { upstreamSql } from '../../src/rule/upstream.js';
import { withClient } from './client.js';

/** Coder's key, written out here rather than imported: the emulator is Coder, not the toolkit. */
export const CODER_LOCK_KEY = '1037453835920848937';

export interface CoderMigrationFile {
  version: number;
  sql: string;
}

const upstream = upstreamSql('metadata');

export const CODER_MIGRATIONS: readonly CoderMigrationFile[] = [
  ...[456, 457, 458, 459, 460].map((version) => ({ version, sql: `CREATE TABLE coder_emulated_${version} (id integer PRIMARY KEY);` })),
  {
    version: 461,
    sql: `ALTER TABLE aibridge_token_usages ADD COLUMN cache_read_input_tokens BIGINT NOT NULL DEFAULT 0, ADD COLUMN cache_write_input_tokens BIGINT NOT NULL DEFAULT 0;
UPDATE aibridge_token_usages
   SET cache_read_input_tokens = ${upstream.cacheRead},
       cache_write_input_tokens = ${upstream.cacheWrite}
 WHERE metadata IS NOT NULL AND cache_read_input_tokens = 0 AND cache_write_input_tokens = 0;`,
  },
  { version: 462, sql: 'CREATE INDEX idx_aibridge_token_usages_cache_read ON aibridge_token_usages (cache_read_input_tokens);' },
];

export interface CoderVersion {
  version: number;
  dirty: boolean;
}

/** Creates Coder's bookkeeping table holding `version` (a database Coder has migrated that far). */
export async function installCoderAt(url: string, version: number, dirty = false): Promise<void> {
  await withClient(url, async (client) => {
    await client.query('CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)');
    await client.query('INSERT INTO schema_migrations (version, dirty) VALUES ($1, $2)', [version, dirty]);
  });
}

export async function coderVersion(url: string): Promise<CoderVersion[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query('SELECT version::int AS version, dirty FROM schema_migrations ORDER BY version');
    return rows as CoderVersion[];
  });
}

export type CoderRun =
  | { status: 'ok'; applied: number[]; version: number }
  | { status: 'dirty'; version: number }
  | { status: 'failed'; failedAt: number; sqlstate: string | undefined; message: string };

export interface CoderRunOptions {
  /** Migrate up to this version (default: the last one). */
  target?: number;
  /** Runs while the transaction (and Coder's lock) is held, after the version was read and the files applied, before COMMIT. */
  beforeCommit?: () => Promise<void>;
  /** Told when Coder's lock is granted. */
  onLocked?: (pid: number) => void;
  applicationName?: string;
}

/** One `coder server` start: every pending migration, in one transaction. */
export async function runCoderMigrations(url: string, options: CoderRunOptions = {}): Promise<CoderRun> {
  const target = options.target ?? CODER_MIGRATIONS.at(-1)!.version;
  const client = new pg.Client({ connectionString: url, application_name: options.applicationName ?? 'coderd' });
  client.on('error', () => {});
  await client.connect();
  let current: number | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [CODER_LOCK_KEY]);
    options.onLocked?.((await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const { rows } = await client.query('SELECT version::int AS version, dirty FROM schema_migrations LIMIT 1');
    if (rows[0]?.dirty) {
      await client.query('ROLLBACK');
      return { status: 'dirty', version: rows[0].version };
    }
    const from: number = rows[0]?.version ?? 0;
    const applied: number[] = [];
    for (const file of CODER_MIGRATIONS.filter((m) => m.version > from && m.version <= target)) {
      current = file.version;
      await client.query('TRUNCATE schema_migrations');
      await client.query('INSERT INTO schema_migrations (version, dirty) VALUES ($1, true)', [file.version]);
      await client.query(file.sql);
      await client.query('TRUNCATE schema_migrations');
      await client.query('INSERT INTO schema_migrations (version, dirty) VALUES ($1, false)', [file.version]);
      applied.push(file.version);
    }
    await options.beforeCommit?.();
    await client.query('COMMIT');
    return { status: 'ok', applied, version: applied.at(-1) ?? from };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    const err = error as { code?: string; message: string };
    return { status: 'failed', failedAt: current ?? -1, sqlstate: err.code, message: err.message };
  } finally {
    await client.end().catch(() => {});
  }
}
