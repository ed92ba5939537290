/**
 * Which server, database and role a command connects to, and how: resolved once, from the
 * URL a user gave (flag, file, environment or config file — the caller picks which) and the
 * libpq environment, with libpq's meaning (libpq manual, "Parameter Key Words" and
 * "Environment Variables"):
 *
 * - a part the URL gives wins; a part it leaves out comes from its PG* variable (PGHOST,
 *   PGHOSTADDR, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT, PGSSLCERT,
 *   PGSSLKEY, PGCONNECT_TIMEOUT, PGPASSFILE), then from libpq's default;
 * - the TLS options given to aibridge-migrate itself (--sslmode, --ssl-root-cert, --ssl-cert,
 *   --ssl-key, --connect-timeout) beat both;
 * - no URL at all: the PG* variables alone, provided one of PGHOST, PGHOSTADDR or PGDATABASE
 *   says where to go (a CI job that lost its secret should fail, not try the local socket).
 *
 * The result is handed to pg as explicit settings (connect.ts), never as a connection string,
 * so pg's own reading of PG* variables and its sslmode aliases never apply.
 * Pure: files are read through the `TargetIo` passed in.
 */
import fs from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SettingProblem } from '../errors.js';
import { findPgpassPassword, parsePgpass, pgpassUnsafe } from './pgpass.js';
import { lookupService, serviceFiles } from './service-file.js';
import { IGNORED_PARAMETERS, parseDatabaseUrl, URL_PARAMETERS, type UrlParameter, type UrlParts } from './url.js';

export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** libpq's channel_binding: SCRAM-SHA-256-PLUS ties the password exchange to the TLS session. */
export const CHANNEL_BINDINGS = ['disable', 'prefer', 'require'] as const;
export type ChannelBinding = (typeof CHANNEL_BINDINGS)[number];

export const DEFAULT_PORT = 5432;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * Where the server's socket is when nothing names a host: libpq uses the directory it was
 * built with — /var/run/postgresql in Debian, Ubuntu and RHEL packages, /tmp upstream.
 */
export const SOCKET_DIRECTORIES = ['/var/run/postgresql', '/tmp'] as const;

/** Where a value came from: the option it sets (kebab-case) if any, and the source to name. */
export interface Origin {
  setting: string | null;
  source: string;
}

export interface Given<T> extends Origin {
  value: T;
}

/** The URL itself, or the path of a file holding it (a mounted secret). */
export type UrlInput = Given<string> & { kind: 'text' | 'file' };

export interface TargetInput {
  url?: UrlInput;
  sslmode?: Given<string>;
  sslRootCert?: Given<string>;
  sslCert?: Given<string>;
  sslKey?: Given<string>;
  connectTimeoutMs?: Given<number>;
  channelBinding?: Given<string>;
  /** --connect-retry: how long to keep retrying a server that refuses or is not up yet (0: no retry). */
  connectRetryMs?: Given<number>;
  /** The process environment: only the PG* variables above (and none other) are read. */
  env: Readonly<Record<string, string | undefined>>;
}

export interface FileFacts {
  mode: number;
  uid: number;
  isFile: boolean;
}

export interface TargetIo {
  /** Throws (with the errno `code`) when the file cannot be read. */
  readFile(file: string): string;
  stat(file: string): FileFacts;
  exists(file: string): boolean;
  homedir: string;
  /** The OS user name: libpq's default role name. */
  username: string;
  uid: number;
}

export function systemTargetIo(): TargetIo {
  let username = 'postgres';
  try {
    username = os.userInfo().username;
  } catch {
    /* no passwd entry (some containers): libpq would fail too; PGUSER or the URL must say */
  }
  return {
    readFile: (file) => fs.readFileSync(file, 'utf8'),
    stat: (file) => {
      const s = fs.statSync(file);
      return { mode: s.mode, uid: s.uid, isFile: s.isFile() };
    },
    exists: (file) => fs.existsSync(file),
    homedir: os.homedir(),
    username,
    uid: process.getuid?.() ?? -1,
  };
}

export interface TlsFile {
  path: string;
  /** e.g. "--ssl-root-cert", "sslrootcert in the URL", "PGSSLROOTCERT", "the default ~/.postgresql/root.crt". */
  from: string;
}

export interface TlsSettings {
  /** As configured (libpq's default: prefer). */
  mode: SslMode;
  /**
   * What is checked: `full` (chain and host name), `ca` (chain only), `none`. libpq's rule:
   * `require` with a root certificate available checks the chain like verify-ca.
   */
  verify: 'none' | 'ca' | 'full';
  /** false over a Unix socket (libpq never uses TLS there) and with sslmode=disable. */
  attempt: boolean;
  rootCert: TlsFile | 'system' | null;
  cert: TlsFile | null;
  key: TlsFile | null;
}

/** Kept off the enumerable fields, so logging or serialising a target never shows them. */
export interface TargetSecrets {
  password: string | null;
  ca: string | null;
  cert: string | null;
  key: string | null;
}

export interface ConnectionTarget {
  /** `host:port/database` of what is actually used (a socket directory as host); never a user or password. */
  label: string;
  /** A host name, an IP address, or a socket directory. */
  host: string;
  /** libpq's hostaddr: the address connected to, while `host` is still what TLS verifies. */
  hostaddr: string | null;
  port: number;
  socket: boolean;
  database: string;
  user: string;
  /** Where the password came from ("the URL", "PGPASSWORD", a pgpass file), or null for none. */
  passwordFrom: string | null;
  /** The pgpass file consulted (even when it had no matching line), for the "no password" message. */
  passfile: string | null;
  tls: TlsSettings;
  /** 0 = wait as long as the operating system does. */
  connectTimeoutMs: number;
  /** disable: plain SCRAM; prefer (libpq's default): SCRAM-SHA-256-PLUS when TLS and the server offer it; require: only that. */
  channelBinding: ChannelBinding;
  /** Keep retrying a refused or not-yet-up server this long (ms); 0 = one attempt. */
  connectRetryMs: number;
  /** The URL's `options` (e.g. `-c statement_timeout=0`); PGOPTIONS is read by pg itself. */
  options: string | null;
  /** One line for --debug: where each part came from. */
  summary: string;
  readonly secrets: TargetSecrets;
}

/** Something worth telling without failing: `warn` is always shown (libpq prints it too), `debug` with --debug. */
export interface TargetNote {
  level: 'warn' | 'debug';
  message: string;
}

export type TargetResolution = { ok: true; target: ConnectionTarget; notes: TargetNote[] } | { ok: false; problems: SettingProblem[] };

const NO_DATABASE = 'no database URL: pass --database-url postgres://user:password@host:5432/db or set DATABASE_URL';
export const NO_DATABASE_HINT =
  'The URL can also come from AIBRIDGE_MIGRATE_DATABASE_URL or a --config file, or from a file (--database-url-file, e.g. a mounted secret); or set the libpq variables PGHOST, PGPORT, PGUSER, PGDATABASE (password from PGPASSWORD or ~/.pgpass).';

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('/') ? `[${host}]` : host;
}

/** `host:port/database`, or `name (address):port/database` when libpq's hostaddr is used. */
export function targetLabel(t: Pick<ConnectionTarget, 'host' | 'hostaddr' | 'port' | 'database'>): string {
  const where = t.hostaddr ? (t.host ? `${formatHost(t.host)} (${formatHost(t.hostaddr)})` : formatHost(t.hostaddr)) : formatHost(t.host);
  return `${where}:${t.port}/${t.database}`;
}

interface Candidate<T> {
  value: T;
  origin: Origin;
  /** Short, for the --debug summary. */
  from: string;
}

function first<T>(...candidates: (Candidate<T> | undefined)[]): Candidate<T> | undefined {
  return candidates.find((c) => c !== undefined);
}

function expandHome(file: string, home: string): string {
  return file === '~' ? home : file.startsWith('~/') ? path.join(home, file.slice(2)) : file;
}

/** The same server and credentials, another database (e.g. PgBouncer's admin console); secrets stay out of enumeration. */
export function withDatabase(target: ConnectionTarget, database: string): ConnectionTarget {
  const copy = { ...target, database, label: targetLabel({ ...target, database }) } as ConnectionTarget;
  Object.defineProperty(copy, 'secrets', { value: target.secrets, enumerable: false });
  return copy;
}

export function resolveTarget(input: TargetInput, io: TargetIo): TargetResolution {
  const problems: SettingProblem[] = [];
  const notes: TargetNote[] = [];
  const env = (name: string): Candidate<string> | undefined => {
    const value = input.env[name];
    return value === undefined || value === '' ? undefined : { value, origin: { setting: null, source: name }, from: name };
  };
  const given = <T>(g: Given<T> | undefined): Candidate<T> | undefined =>
    g === undefined ? undefined : { value: g.value, origin: g, from: g.source };

  // 1. The URL, from the text or the file holding it.
  let parts: UrlParts = {};
  let urlOrigin: Origin | null = null;
  if (input.url) {
    const { url } = input;
    let text = url.value;
    urlOrigin = url;
    let readable = true;
    if (url.kind === 'file') {
      try {
        // A secret mounted from Kubernetes or Docker usually ends with a newline.
        text = io.readFile(url.value).trim();
      } catch (error) {
        readable = false;
        problems.push({ ...pick(url), message: `cannot read the file ${url.value}: ${errnoText(error)}` });
      }
      if (readable && text === '') {
        readable = false;
        problems.push({ ...pick(url), message: `the file ${url.value} is empty; it must hold one postgres:// URL` });
      }
    }
    if (readable) {
      const parsed = parseDatabaseUrl(text, { echo: url.kind === 'text' });
      if (parsed.ok) parts = parsed.parts;
      else
        problems.push({
          ...pick(url),
          message: url.kind === 'file' ? `the file ${url.value} does not hold a usable URL: ${parsed.problem}` : parsed.problem,
        });
    }
    if (problems.length > 0) return { ok: false, problems };
  }
  const fromUrl = (key: keyof UrlParts): Candidate<string> | undefined => {
    const value = parts[key];
    if (value === undefined || value === '' || !urlOrigin) return undefined;
    return { value, origin: urlOrigin, from: `${key} in the URL` };
  };

  // 1b. A connection service (service= in the URL, else PGSERVICE): its parameters rank below
  // the URL's and above the PG* variables, as in libpq.
  const serviceC = first(fromUrl('service'), env('PGSERVICE'));
  const service: Partial<Record<UrlParameter, Candidate<string>>> = {};
  if (serviceC) {
    const found = lookupService(serviceC.value, serviceFiles(input.env, io.homedir), io);
    if (!found.ok) return { ok: false, problems: [{ ...pick(serviceC.origin), message: found.problem }] };
    const { file, params, lines } = found.entry;
    for (const [key, value] of Object.entries(params)) {
      const origin = { setting: null, source: `service "${serviceC.value}" in ${file} line ${lines[key]}` };
      if ((URL_PARAMETERS as readonly string[]).includes(key) && value !== '') {
        service[key as UrlParameter] = { value, origin, from: `${key} from service "${serviceC.value}" (${file})` };
      } else if (!IGNORED_PARAMETERS.has(key)) {
        problems.push({
          ...origin,
          message: `"${key}" is not a connection parameter aibridge-migrate supports (${URL_PARAMETERS.join(', ')})`,
        });
      }
    }
    if (problems.length > 0) return { ok: false, problems };
  }
  const inUrl = (key: keyof UrlParts): Candidate<string> | undefined => fromUrl(key) ?? service[key];

  // 2. Where to go.
  const host = first(inUrl('host'), env('PGHOST'));
  const hostaddr = first(inUrl('hostaddr'), env('PGHOSTADDR'));
  const databaseGiven = first(inUrl('dbname'), env('PGDATABASE'));
  if (!input.url && !serviceC && !host && !hostaddr && !databaseGiven) {
    return { ok: false, problems: [{ setting: null, source: null, message: NO_DATABASE }] };
  }
  for (const c of [host, hostaddr]) {
    if (c && c.value.includes(',')) {
      problems.push({
        ...pick(c.origin),
        message: `names several hosts (${c.value}): aibridge-migrate connects to exactly one server (the driver has no multi-host failover); give the primary's`,
      });
    }
  }
  if (hostaddr && isIP(hostaddr.value) === 0) {
    problems.push({
      ...pick(hostaddr.origin),
      message: `hostaddr must be a numeric IP address, got "${hostaddr.value}" (put a host name in host)`,
    });
  }
  const defaultSocket = SOCKET_DIRECTORIES.find((dir) => io.exists(dir)) ?? '/tmp';
  const hostValue = host?.value ?? (hostaddr ? '' : defaultSocket);
  const socket = hostValue.startsWith('/') && !hostaddr;

  const portC = first(inUrl('port'), env('PGPORT'));
  let port = DEFAULT_PORT;
  if (portC) {
    if (/^\d+$/.test(portC.value) && Number(portC.value) > 0 && Number(portC.value) < 65536) port = Number(portC.value);
    else problems.push({ ...pick(portC.origin), message: `the port must be a number from 1 to 65535, got "${portC.value}"` });
  }
  const userC = first(inUrl('user'), env('PGUSER'));
  const user = userC?.value ?? io.username;
  const database = databaseGiven?.value ?? user;

  // 3. The password: the URL, PGPASSWORD, then the password file.
  const passwordC = first(inUrl('password'), env('PGPASSWORD'));
  const passfileC = first(inUrl('passfile'), env('PGPASSFILE'));
  const passfile = expandHome(passfileC?.value ?? path.join(io.homedir, '.pgpass'), io.homedir);
  let password = passwordC?.value ?? null;
  let passwordFrom = passwordC ? (passwordC.origin === urlOrigin ? 'the URL' : passwordC.from) : null;
  if (password === null) {
    const found = readPgpass(
      passfile,
      { host: pgpassHost(hostValue, hostaddr?.value ?? null, defaultSocket), port: String(port), database, user },
      io,
      passfileC !== undefined,
    );
    if (found.note) notes.push({ level: 'warn', message: found.note });
    if (found.password !== undefined) {
      password = found.password;
      passwordFrom = passfile;
    }
  }

  // 4. TLS.
  const tls = resolveTls(input, inUrl, env, given, { socket, io, problems, notes });

  // 5. Timeout and session options.
  let connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
  let timeoutFrom = 'default';
  if (input.connectTimeoutMs) {
    connectTimeoutMs = input.connectTimeoutMs.value;
    timeoutFrom = input.connectTimeoutMs.source;
  } else {
    const seconds = first(inUrl('connect_timeout'), env('PGCONNECT_TIMEOUT'));
    if (seconds) {
      if (!/^\s*-?\d+\s*$/.test(seconds.value)) {
        problems.push({ ...pick(seconds.origin), message: `connect_timeout is a whole number of seconds, got "${seconds.value}"` });
      } else {
        // libpq: zero or negative waits indefinitely; 1 is raised to 2 seconds.
        const n = Number(seconds.value);
        connectTimeoutMs = n <= 0 ? 0 : Math.max(2, n) * 1000;
        timeoutFrom = seconds.from;
      }
    }
  }
  const bindingC = first(given(input.channelBinding), inUrl('channel_binding'), env('PGCHANNELBINDING'));
  let channelBinding: ChannelBinding = 'prefer';
  if (bindingC) {
    if ((CHANNEL_BINDINGS as readonly string[]).includes(bindingC.value)) channelBinding = bindingC.value as ChannelBinding;
    else
      problems.push({
        ...pick(bindingC.origin),
        message: `channel_binding must be one of ${CHANNEL_BINDINGS.join(', ')}, got "${bindingC.value}"`,
      });
  }
  if (channelBinding === 'require' && !tls.settings.attempt) {
    problems.push({
      ...pick(bindingC!.origin),
      message: `channel_binding=require needs TLS, and ${socket ? 'a Unix socket never uses it' : 'sslmode=disable turns it off'}: use sslmode=require (or verify-full) over TCP`,
    });
  }
  const connectRetryMs = input.connectRetryMs?.value ?? 0;
  const appName = first(inUrl('application_name'), env('PGAPPNAME'));
  if (appName) {
    notes.push({
      level: 'debug',
      message: `${appName.from} ("${appName.value}") is not used: sessions are named "aibridge-migrate <command>", which the lock reports and the backfill's throttling use to tell its own sessions from the application's`,
    });
  }

  if (problems.length > 0) return { ok: false, problems };

  const base = { host: hostValue, hostaddr: hostaddr?.value ?? null, port, database };
  const label = targetLabel(base);
  const summaryParts = [
    host ? `host from ${host.from}` : hostaddr ? null : `default socket directory ${defaultSocket}`,
    hostaddr ? `hostaddr from ${hostaddr.from}` : null,
    portC ? `port from ${portC.from}` : null,
    `user ${user}${userC ? ` from ${userC.from}` : ' (the OS user)'}`,
    databaseGiven ? `database from ${databaseGiven.from}` : 'database = user name',
    passwordFrom ? `password from ${passwordFrom}` : 'no password',
    tls.summary,
    `channel binding ${channelBinding}${bindingC ? ` from ${bindingC.from}` : ' (default)'}`,
    serviceC ? `service "${serviceC.value}" from ${serviceC.from}` : null,
    connectRetryMs > 0 ? `connect retries for ${connectRetryMs} ms (${input.connectRetryMs!.source})` : null,
    `connect timeout ${connectTimeoutMs === 0 ? 'none' : `${connectTimeoutMs} ms`} (${timeoutFrom})`,
  ].filter((p): p is string => p !== null);
  const target = {
    label,
    ...base,
    socket,
    user,
    passwordFrom,
    passfile,
    tls: tls.settings,
    connectTimeoutMs,
    channelBinding,
    connectRetryMs,
    options: inUrl('options')?.value ?? null,
    summary: `${label}: ${summaryParts.join(', ')}`,
  } as ConnectionTarget;
  Object.defineProperty(target, 'secrets', { value: { password, ...tls.pems } satisfies TargetSecrets, enumerable: false });
  return { ok: true, target, notes };
}

function pick(origin: Origin): Origin {
  return { setting: origin.setting, source: origin.source };
}

function errnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return error instanceof Error ? error.message : String(error);
}

/** The host a pgpass line is matched against (libpq: `localhost` for the default socket directory). */
function pgpassHost(host: string, hostaddr: string | null, defaultSocket: string): string {
  if (!host) return hostaddr ?? 'localhost';
  return host === defaultSocket ? 'localhost' : host;
}

function readPgpass(
  file: string,
  query: { host: string; port: string; database: string; user: string },
  io: TargetIo,
  named: boolean,
): { password?: string; note?: string } {
  let facts: FileFacts;
  try {
    facts = io.stat(file);
  } catch {
    return named ? { note: `the password file ${file} does not exist` } : {};
  }
  const unsafe = pgpassUnsafe(facts.mode, facts.isFile);
  if (unsafe) return { note: `password file "${file}" ${unsafe}; it is ignored (as libpq does)` };
  try {
    const password = findPgpassPassword(parsePgpass(io.readFile(file)), query);
    return password === undefined ? {} : { password };
  } catch (error) {
    return { note: `cannot read the password file ${file}: ${errnoText(error)}` };
  }
}

interface TlsContext {
  socket: boolean;
  io: TargetIo;
  problems: SettingProblem[];
  notes: TargetNote[];
}

function resolveTls(
  input: TargetInput,
  inUrl: (key: keyof UrlParts) => Candidate<string> | undefined,
  env: (name: string) => Candidate<string> | undefined,
  given: <T>(g: Given<T> | undefined) => Candidate<T> | undefined,
  ctx: TlsContext,
): { settings: TlsSettings; pems: Omit<TargetSecrets, 'password'>; summary: string } {
  const { io, problems } = ctx;
  const modeC = first(given(input.sslmode), inUrl('sslmode'), env('PGSSLMODE'));
  let mode: SslMode = 'prefer';
  if (modeC) {
    if ((SSL_MODES as readonly string[]).includes(modeC.value)) mode = modeC.value as SslMode;
    else {
      const advice =
        modeC.value === 'allow'
          ? 'allow (plain first, TLS only if the server insists) is not supported; use prefer or disable'
          : modeC.value === 'no-verify'
            ? 'no-verify is not a libpq sslmode; use require'
            : `must be one of ${SSL_MODES.join(', ')}, got "${modeC.value}"`;
      problems.push({ ...pick(modeC.origin), message: `sslmode ${advice}` });
    }
  }
  const none = { rootCert: null, cert: null, key: null };
  const noPems = { ca: null, cert: null, key: null };
  if (mode === 'disable' || ctx.socket) {
    if (ctx.socket && modeC && mode !== 'disable' && mode !== 'prefer') {
      ctx.notes.push({ level: 'debug', message: `sslmode=${mode} has no effect over a Unix socket: libpq never uses TLS there` });
    }
    return {
      settings: { mode, verify: 'none', attempt: false, ...none },
      pems: noPems,
      summary: ctx.socket ? 'Unix socket (no TLS)' : `sslmode disable${modeC ? ` from ${modeC.from}` : ''}`,
    };
  }

  const home = (file: string) => path.join(io.homedir, '.postgresql', file);
  const defaultFile = (file: string): Candidate<string> | undefined =>
    io.exists(home(file))
      ? { value: home(file), origin: { setting: null, source: `the default ${home(file)}` }, from: `the default ~/.postgresql/${file}` }
      : undefined;
  const read = (c: Candidate<string>, what: string): string | null => {
    const file = expandHome(c.value, io.homedir);
    try {
      return io.readFile(file);
    } catch (error) {
      problems.push({ ...pick(c.origin), message: `cannot read the ${what} ${file}: ${errnoText(error)}` });
      return null;
    }
  };

  let rootCert: TlsFile | 'system' | null = null;
  let ca: string | null = null;
  const rootC = first(given(input.sslRootCert), inUrl('sslrootcert'), env('PGSSLROOTCERT'), defaultFile('root.crt'));
  if (rootC?.value === 'system') {
    rootCert = 'system';
    // libpq 16: the system's CAs vouch for any name they signed, so only verify-full is safe.
    if (mode !== 'verify-full')
      problems.push({
        ...pick(rootC.origin),
        message: `sslrootcert=system needs sslmode=verify-full (weak sslmode "${mode}" may not be used with it)`,
      });
  } else if (rootC) {
    ca = read(rootC, 'root certificate file');
    rootCert = { path: expandHome(rootC.value, io.homedir), from: rootC.from };
  }
  if ((mode === 'verify-ca' || mode === 'verify-full') && rootCert === null) {
    problems.push({
      ...pick(modeC!.origin),
      message: `sslmode=${mode} needs the CA certificate that signed the server's: give --ssl-root-cert FILE (or sslrootcert= in the URL, PGSSLROOTCERT); the default ${home('root.crt')} does not exist. sslrootcert=system uses the operating system's trusted CAs (verify-full only)`,
    });
  }

  let cert: TlsFile | null = null;
  let key: TlsFile | null = null;
  let certPem: string | null = null;
  let keyPem: string | null = null;
  const certC = first(given(input.sslCert), inUrl('sslcert'), env('PGSSLCERT'), defaultFile('postgresql.crt'));
  const keyC = first(given(input.sslKey), inUrl('sslkey'), env('PGSSLKEY'), defaultFile('postgresql.key'));
  if (certC) {
    certPem = read(certC, 'client certificate file');
    cert = { path: expandHome(certC.value, io.homedir), from: certC.from };
    if (!keyC) {
      problems.push({
        ...pick(certC.origin),
        message: `a client certificate needs its private key: give --ssl-key FILE (or sslkey= in the URL, PGSSLKEY); the default ${home('postgresql.key')} does not exist`,
      });
    } else {
      const file = expandHome(keyC.value, io.homedir);
      const unsafe = keyFileUnsafe(file, io);
      if (unsafe) problems.push({ ...pick(keyC.origin), message: `the private key file ${file} ${unsafe}` });
      else keyPem = read(keyC, 'private key file');
      key = { path: file, from: keyC.from };
    }
  }

  const verify: TlsSettings['verify'] =
    mode === 'verify-full' ? 'full' : mode === 'verify-ca' ? 'ca' : mode === 'require' && rootCert !== null ? 'ca' : 'none';
  const summary = [
    `sslmode ${mode}${modeC ? ` from ${modeC.from}` : ' (default)'}`,
    verify === 'none' ? 'certificate not verified' : verify === 'ca' ? 'certificate chain verified' : 'certificate and host name verified',
    rootCert === 'system' ? 'root certificates: the system store' : rootCert ? `root certificate ${rootCert.path}` : null,
    cert ? `client certificate ${cert.path}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  return { settings: { mode, verify, attempt: true, rootCert, cert, key }, pems: { ca, cert: certPem, key: keyPem }, summary };
}

/** libpq refuses a private key others may read: 0600 for the owner, 0640 when root owns it. */
function keyFileUnsafe(file: string, io: TargetIo): string | null {
  let facts: FileFacts;
  try {
    facts = io.stat(file);
  } catch (error) {
    return `cannot be read: ${errnoText(error)}`;
  }
  if (!facts.isFile) return 'is not a plain file';
  const limit = facts.uid === 0 && facts.uid !== io.uid ? 0o037 : 0o077;
  if ((facts.mode & limit) !== 0) {
    return `has group or world access; it must have permissions u=rw (0600) or less if owned by the current user, or u=rw,g=r (0640) or less if owned by root`;
  }
  return null;
}

/**
 * The target of one URL, for code that has nothing else to go on (tests, scripts). The libpq
 * variables are read only from `env` (none by default). Throws on a problem.
 */
export function targetFromUrl(
  url: string,
  env: Readonly<Record<string, string | undefined>> = {},
  io: TargetIo = systemTargetIo(),
): ConnectionTarget {
  const resolved = resolveTarget({ url: { kind: 'text', value: url, setting: 'database-url', source: 'the URL' }, env }, io);
  if (!resolved.ok) throw new Error(resolved.problems.map((p) => p.message).join('; '));
  return resolved.target;
}
