/**
 * A real PgBouncer (the Debian package's binary) in front of the test server, for the pooler
 * tests: its configuration written here, loopback only, started on a free port as a child
 * process and stopped after. PgBouncer refuses to run as root, so as root it runs as the
 * `postgres` OS user the embedded server already uses (created if missing), from a folder that
 * user owns.
 *
 * Authentication works with any server the harness may be given: PgBouncer trusts its clients
 * (auth_type = trust, the user listed in auth_file) and logs in to the server as that user with
 * the URL's password, if any. The role is also one of PgBouncer's stats_users, so SHOW answers
 * on its admin console (the database "pgbouncer"), as it would for a DBA.
 *
 * Each instance lives in its own folder tagged with the pid of the Node process that owns it; a
 * run killed with SIGKILL leaves its PgBouncer running, and the next start stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ensurePostgresUser, freePort, isAlive } from './embedded-server.js';

export type PoolMode = 'session' | 'transaction' | 'statement';

export interface PgBouncer {
  port: number;
  poolMode: PoolMode;
  /** A URL through PgBouncer to `database` on the server, as the server URL's user. */
  url(database: string): string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The server PgBouncer forwards to (host, port, user, password are taken from it). */
  serverUrl: string;
  poolMode: PoolMode;
  /** Server connections per database and user. */
  poolSize?: number;
}

const FOLDER_PREFIX = 'aibridge-migrate-pgbouncer-';

/** The pgbouncer binary: on PATH, or where the Debian package puts it (/usr/sbin is not on every PATH). */
export function findPgBouncer(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'pgbouncer');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** Stops PgBouncers left by test processes that no longer exist, and deletes their folders. */
function sweepStale(): void {
  for (const entry of fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(FOLDER_PREFIX))) {
    const owner = Number(entry.slice(FOLDER_PREFIX.length).split('-')[0]);
    if (Number.isInteger(owner) && isAlive(owner)) continue;
    const dir = path.join(os.tmpdir(), entry);
    let pid = Number.NaN;
    try {
      pid = Number(fs.readFileSync(path.join(dir, 'pgbouncer.pid'), 'utf8').trim());
    } catch {
      /* it never wrote one */
    }
    if (Number.isInteger(pid) && isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function quoted(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited during start-up (${child.exitCode}):\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pgbouncer did not listen on ${port} within 20 s:\n${output()}`);
}

export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const binary = findPgBouncer();
  if (!binary) throw new Error('pgbouncer is not installed (Debian: apt-get install -y pgbouncer)');
  sweepStale();
  const server = new URL(options.serverUrl);
  const user = decodeURIComponent(server.username || 'postgres');
  const password = decodeURIComponent(server.password);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${FOLDER_PREFIX}${process.pid}-`));
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'userlist.txt'), `${quoted(user)} ${quoted(password)}\n`, { mode: 0o600 });
  fs.writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      // Any database name the client asks for, on the server under the same name.
      `* = host=${server.hostname.replace(/^\[|\]$/g, '')} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      `pool_mode = ${options.poolMode}`,
      `default_pool_size = ${options.poolSize ?? 4}`,
      'max_client_conn = 200',
      `stats_users = ${user}`,
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  const runAs = ensurePostgresUser();
  if (runAs) {
    for (const file of ['', 'userlist.txt', 'pgbouncer.ini']) fs.chownSync(path.join(dir, file), runAs.uid, runAs.gid);
  }
  const child = spawn(binary, [path.join(dir, 'pgbouncer.ini')], { ...(runAs ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const log = () =>
    `${output}${fs.existsSync(path.join(dir, 'pgbouncer.log')) ? fs.readFileSync(path.join(dir, 'pgbouncer.log'), 'utf8').slice(-4000) : ''}`;
  try {
    await waitForPort(port, child, log);
  } catch (error) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    port,
    poolMode: options.poolMode,
    url: (database) => {
      const through = new URL(options.serverUrl);
      through.hostname = '127.0.0.1';
      through.port = String(port);
      through.pathname = `/${encodeURIComponent(database)}`;
      return through.toString();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        // SIGINT: PgBouncer's safe shutdown would wait for clients; SIGTERM closes them.
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Application traffic through the pooler: `clients` connections, each running a short statement
 * after another until stopped. Our server sessions are then often busy with one of them, or no
 * longer the ones handed out first.
 */
export async function startTraffic(url: string, clients: number): Promise<{ stop(): Promise<void> }> {
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new pg.Client({ connectionString: url, application_name: 'traffic' });
      await client.connect();
      return client;
    }),
  );
  let running = true;
  const loops = connections.map(async (client) => {
    while (running) await client.query('SELECT pg_sleep(0.002)');
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      await Promise.all(connections.map((c) => c.end()));
    },
  };
}
