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
import { IGNORED_PARAMETERS, parseDatabaseUrl, severalHosts, URL_PARAMETERS, type UrlParameter, type UrlParts } from './url.js';

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

export type TargetResolution =
  | { ok: true; target: ConnectionTarget; notes: TargetNote[] }
  /** `hint`: what to do, when one fix fits every problem (nothing says where the database is). */
  | { ok: false; problems: SettingProblem[]; hint?: string };

const NO_DATABASE = 'no database URL: pass --database-url postgres://user:password@host:5432/db or set DATABASE_URL';
const NO_DATABASE_HINT =
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

function given<T>(g: Given<T> | undefined): Candidate<T> | undefined {
  return g === undefined ? undefined : { value: g.value, origin: g, from: g.source };
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

type ServiceParams = Partial<Record<UrlParameter, Candidate<string>>>;

/**
 * Where a connection parameter's value is read, in libpq's order once the options given to
 * aibridge-migrate itself have had their say: the URL, its connection service, the PG* variable.
 */
class Lookup {
  constructor(
    readonly input: TargetInput,
    readonly io: TargetIo,
    /** What the URL says, and who gave it (null: no URL). */
    readonly url: { parts: UrlParts; origin: Origin } | null,
    /** The service's parameters (none without a service). */
    readonly service: ServiceParams = {},
  ) {}

  /** The URL's value for `key`, else the service's. */
  inUrl(key: UrlParameter): Candidate<string> | undefined {
    const value = this.url?.parts[key];
    if (value !== undefined && value !== '') return { value, origin: this.url!.origin, from: `${key} in the URL` };
    return this.service[key];
  }

  /** A PG* variable, unset when empty (as libpq reads them). */
  env(name: string): Candidate<string> | undefined {
    const value = this.input.env[name];
    return value === undefined || value === '' ? undefined : { value, origin: { setting: null, source: name }, from: name };
  }

  /** The URL's (or service's) value, else the PG* variable's. */
  param(key: UrlParameter, variable: string): Candidate<string> | undefined {
    return first(this.inUrl(key), this.env(variable));
  }
}

/** The URL's parts: from the text, or from the file holding it (a mounted secret). */
function readUrl(url: UrlInput, io: TargetIo): { parts: UrlParts } | { problems: SettingProblem[] } {
  const refused = (message: string) => ({ problems: [{ ...pick(url), message }] });
  let text = url.value;
  if (url.kind === 'file') {
    try {
      // A secret mounted from Kubernetes or Docker usually ends with a newline.
      text = io.readFile(url.value).trim();
    } catch (error) {
      return refused(`cannot read the file ${url.value}: ${errnoText(error)}`);
    }
    if (text === '') return refused(`the file ${url.value} is empty; it must hold one postgres:// URL`);
  }
  const parsed = parseDatabaseUrl(text, { echo: url.kind === 'text' });
  if (parsed.ok) return { parts: parsed.parts };
  return refused(url.kind === 'file' ? `the file ${url.value} does not hold a usable URL: ${parsed.problem}` : parsed.problem);
}

/** A connection service's parameters (service= in the URL, else PGSERVICE): below the URL's, above the PG* variables. */
function readService(service: Candidate<string>, lookup: Lookup): { params: ServiceParams } | { problems: SettingProblem[] } {
  const found = lookupService(service.value, serviceFiles(lookup.input.env, lookup.io.homedir), lookup.io);
  if (!found.ok) return { problems: [{ ...pick(service.origin), message: found.problem }] };
  const { file, params: raw, lines } = found.entry;
  const params: ServiceParams = {};
  const problems: SettingProblem[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const origin = { setting: null, source: `service "${service.value}" in ${file} line ${lines[key]}` };
    if ((URL_PARAMETERS as readonly string[]).includes(key) && value !== '') {
      params[key as UrlParameter] = { value, origin, from: `${key} from service "${service.value}" (${file})` };
    } else if (!IGNORED_PARAMETERS.has(key)) {
      problems.push({
        ...origin,
        message: `"${key}" is not a connection parameter aibridge-migrate supports (${URL_PARAMETERS.join(', ')})`,
      });
    }
  }
  return problems.length > 0 ? { problems } : { params };
}

/** The URL and its service, read; or what is wrong with them. */
function openLookup(input: TargetInput, io: TargetIo): { lookup: Lookup; service?: Candidate<string> } | { problems: SettingProblem[] } {
  let url: Lookup['url'] = null;
  if (input.url) {
    const read = readUrl(input.url, io);
    if ('problems' in read) return read;
    url = { parts: read.parts, origin: input.url };
  }
  const bare = new Lookup(input, io, url);
  const service = first(bare.inUrl('service'), bare.env('PGSERVICE'));
  if (!service) return { lookup: bare };
  const read = readService(service, bare);
  if ('problems' in read) return read;
  return { lookup: new Lookup(input, io, url, read.params), service };
}

interface Address {
  host: Candidate<string> | undefined;
  hostaddr: Candidate<string> | undefined;
  /** The host connected to: a name, an address, a socket directory, or '' with hostaddr alone. */
  hostValue: string;
  defaultSocket: string;
  socket: boolean;
  port: number;
  portFrom: Candidate<string> | undefined;
  user: string;
  userFrom: Candidate<string> | undefined;
  database: string;
  databaseFrom: Candidate<string> | undefined;
}

/** libpq's port: a number from 1 to 65535. */
function portProblem(text: string): string | null {
  return /^\d+$/.test(text) && Number(text) > 0 && Number(text) < 65536 ? null : `the port must be a number from 1 to 65535, got "${text}"`;
}

/** Which server, port, role and database; null when nothing says where to go at all. */
function resolveAddress(lookup: Lookup, hasService: boolean, problems: SettingProblem[]): Address | null {
  const host = lookup.param('host', 'PGHOST');
  const hostaddr = lookup.param('hostaddr', 'PGHOSTADDR');
  const databaseFrom = lookup.param('dbname', 'PGDATABASE');
  if (!lookup.url && !hasService && !host && !hostaddr && !databaseFrom) return null;
  for (const c of [host, hostaddr]) {
    const several = c ? severalHosts(c.value) : null;
    if (c && several) problems.push({ ...pick(c.origin), message: several });
    else if (c && c === hostaddr && isIP(c.value) === 0) {
      problems.push({ ...pick(c.origin), message: `hostaddr must be a numeric IP address, got "${c.value}" (put a host name in host)` });
    }
  }
  const defaultSocket = SOCKET_DIRECTORIES.find((dir) => lookup.io.exists(dir)) ?? '/tmp';
  const hostValue = host?.value ?? (hostaddr ? '' : defaultSocket);
  const portFrom = lookup.param('port', 'PGPORT');
  const badPort = portFrom ? portProblem(portFrom.value) : null;
  if (badPort) problems.push({ ...pick(portFrom!.origin), message: badPort });
  const userFrom = lookup.param('user', 'PGUSER');
  const user = userFrom?.value ?? lookup.io.username;
  return {
    host,
    hostaddr,
    hostValue,
    defaultSocket,
    socket: hostValue.startsWith('/') && !hostaddr,
    port: portFrom && !badPort ? Number(portFrom.value) : DEFAULT_PORT,
    portFrom,
    user,
    userFrom,
    database: databaseFrom?.value ?? user,
    databaseFrom,
  };
}

/** The password: the URL, PGPASSWORD, then the password file (a file libpq would ignore is ignored, with a warning). */
function resolvePassword(
  lookup: Lookup,
  address: Address,
  notes: TargetNote[],
): { password: string | null; passwordFrom: string | null; passfile: string } {
  const { io } = lookup;
  const passwordC = lookup.param('password', 'PGPASSWORD');
  const passfileC = lookup.param('passfile', 'PGPASSFILE');
  const passfile = expandHome(passfileC?.value ?? path.join(io.homedir, '.pgpass'), io.homedir);
  if (passwordC)
    return { password: passwordC.value, passwordFrom: passwordC.origin === lookup.url?.origin ? 'the URL' : passwordC.from, passfile };
  const query = {
    host: pgpassHost(address.hostValue, address.hostaddr?.value ?? null, address.defaultSocket),
    port: String(address.port),
    database: address.database,
    user: address.user,
  };
  const found = readPgpass(passfile, query, io, passfileC !== undefined);
  if (found.note) notes.push({ level: 'warn', message: found.note });
  return found.password === undefined
    ? { password: null, passwordFrom: null, passfile }
    : { password: found.password, passwordFrom: passfile, passfile };
}

/** --connect-timeout (ms), else connect_timeout / PGCONNECT_TIMEOUT (whole seconds, libpq's rules), else the default. */
function connectTimeout(lookup: Lookup, problems: SettingProblem[]): { ms: number; from: string } {
  const flag = lookup.input.connectTimeoutMs;
  if (flag) return { ms: flag.value, from: flag.source };
  const seconds = lookup.param('connect_timeout', 'PGCONNECT_TIMEOUT');
  if (!seconds) return { ms: DEFAULT_CONNECT_TIMEOUT_MS, from: 'default' };
  if (!/^\s*-?\d+\s*$/.test(seconds.value)) {
    problems.push({ ...pick(seconds.origin), message: `connect_timeout is a whole number of seconds, got "${seconds.value}"` });
    return { ms: DEFAULT_CONNECT_TIMEOUT_MS, from: 'default' };
  }
  // libpq: zero or negative waits indefinitely; 1 is raised to 2 seconds.
  const n = Number(seconds.value);
  return { ms: n <= 0 ? 0 : Math.max(2, n) * 1000, from: seconds.from };
}

/** channel_binding: libpq's default is prefer; require needs TLS, which a socket or sslmode=disable rules out. */
function channelBinding(
  lookup: Lookup,
  tls: { attempt: boolean; socket: boolean },
  problems: SettingProblem[],
): { mode: ChannelBinding; from: Candidate<string> | undefined } {
  const from = first(given(lookup.input.channelBinding), lookup.param('channel_binding', 'PGCHANNELBINDING'));
  if (!from) return { mode: 'prefer', from };
  if (!(CHANNEL_BINDINGS as readonly string[]).includes(from.value)) {
    problems.push({ ...pick(from.origin), message: `channel_binding must be one of ${CHANNEL_BINDINGS.join(', ')}, got "${from.value}"` });
    return { mode: 'prefer', from };
  }
  const mode = from.value as ChannelBinding;
  if (mode === 'require' && !tls.attempt) {
    problems.push({
      ...pick(from.origin),
      message: `channel_binding=require needs TLS, and ${tls.socket ? 'a Unix socket never uses it' : 'sslmode=disable turns it off'}: use sslmode=require (or verify-full) over TCP`,
    });
  }
  return { mode, from };
}

/** application_name is not honoured: the toolkit names its sessions itself. */
function applicationNameNote(lookup: Lookup): TargetNote | null {
  const appName = lookup.param('application_name', 'PGAPPNAME');
  if (!appName) return null;
  return {
    level: 'debug',
    message: `${appName.from} ("${appName.value}") is not used: sessions are named "aibridge-migrate <command>", which the lock reports and the backfill's throttling use to tell its own sessions from the application's`,
  };
}

interface Resolved {
  address: Address;
  password: ReturnType<typeof resolvePassword>;
  tls: TlsResolution;
  timeout: { ms: number; from: string };
  binding: ReturnType<typeof channelBinding>;
  service: Candidate<string> | undefined;
  connectRetryMs: number;
}

/** One line for --debug: where each part came from. */
function summaryOf(label: string, r: Resolved, connectRetry: Given<number> | undefined): string {
  const { address: a } = r;
  const parts = [
    a.host ? `host from ${a.host.from}` : a.hostaddr ? null : `default socket directory ${a.defaultSocket}`,
    a.hostaddr ? `hostaddr from ${a.hostaddr.from}` : null,
    a.portFrom ? `port from ${a.portFrom.from}` : null,
    `user ${a.user}${a.userFrom ? ` from ${a.userFrom.from}` : ' (the OS user)'}`,
    a.databaseFrom ? `database from ${a.databaseFrom.from}` : 'database = user name',
    r.password.passwordFrom ? `password from ${r.password.passwordFrom}` : 'no password',
    r.tls.summary,
    `channel binding ${r.binding.mode}${r.binding.from ? ` from ${r.binding.from.from}` : ' (default)'}`,
    r.service ? `service "${r.service.value}" from ${r.service.from}` : null,
    r.connectRetryMs > 0 ? `connect retries for ${r.connectRetryMs} ms (${connectRetry!.source})` : null,
    `connect timeout ${r.timeout.ms === 0 ? 'none' : `${r.timeout.ms} ms`} (${r.timeout.from})`,
  ].filter((p): p is string => p !== null);
  return `${label}: ${parts.join(', ')}`;
}

function buildTarget(lookup: Lookup, r: Resolved): ConnectionTarget {
  const { address } = r;
  const base = { host: address.hostValue, hostaddr: address.hostaddr?.value ?? null, port: address.port, database: address.database };
  const label = targetLabel(base);
  const target = {
    label,
    ...base,
    socket: address.socket,
    user: address.user,
    passwordFrom: r.password.passwordFrom,
    passfile: r.password.passfile,
    tls: r.tls.settings,
    connectTimeoutMs: r.timeout.ms,
    channelBinding: r.binding.mode,
    connectRetryMs: r.connectRetryMs,
    options: lookup.inUrl('options')?.value ?? null,
    summary: summaryOf(label, r, lookup.input.connectRetryMs),
  } as ConnectionTarget;
  const secrets: TargetSecrets = { password: r.password.password, ...r.tls.pems };
  Object.defineProperty(target, 'secrets', { value: secrets, enumerable: false });
  return target;
}

export function resolveTarget(input: TargetInput, io: TargetIo): TargetResolution {
  const opened = openLookup(input, io);
  if ('problems' in opened) return { ok: false, problems: opened.problems };
  const { lookup, service } = opened;
  const problems: SettingProblem[] = [];
  const notes: TargetNote[] = [];
  const address = resolveAddress(lookup, service !== undefined, problems);
  if (!address) return { ok: false, problems: [{ setting: null, source: null, message: NO_DATABASE }], hint: NO_DATABASE_HINT };
  const password = resolvePassword(lookup, address, notes);
  const tls = resolveTls(lookup, address.socket, problems, notes);
  const timeout = connectTimeout(lookup, problems);
  const binding = channelBinding(lookup, { attempt: tls.settings.attempt, socket: address.socket }, problems);
  const appName = applicationNameNote(lookup);
  if (appName) notes.push(appName);
  if (problems.length > 0) return { ok: false, problems };
  const connectRetryMs = input.connectRetryMs?.value ?? 0;
  const target = buildTarget(lookup, { address, password, tls, timeout, binding, service, connectRetryMs });
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

interface TlsResolution {
  settings: TlsSettings;
  pems: Omit<TargetSecrets, 'password'>;
  summary: string;
}

/** Reads the files TLS needs, each problem named by where its path came from. */
class TlsFiles {
  constructor(
    private readonly io: TargetIo,
    private readonly problems: SettingProblem[],
  ) {}

  /** ~/.postgresql/<file>, libpq's default location. */
  home(file: string): string {
    return path.join(this.io.homedir, '.postgresql', file);
  }

  /** The default file as a candidate, when it exists. */
  byDefault(file: string): Candidate<string> | undefined {
    const full = this.home(file);
    if (!this.io.exists(full)) return undefined;
    return { value: full, origin: { setting: null, source: `the default ${full}` }, from: `the default ~/.postgresql/${file}` };
  }

  path(c: Candidate<string>): string {
    return expandHome(c.value, this.io.homedir);
  }

  read(c: Candidate<string>, what: string): string | null {
    const file = this.path(c);
    try {
      return this.io.readFile(file);
    } catch (error) {
      this.problems.push({ ...pick(c.origin), message: `cannot read the ${what} ${file}: ${errnoText(error)}` });
      return null;
    }
  }

  keyFileUnsafe(file: string): string | null {
    return keyFileUnsafe(file, this.io);
  }
}

/** sslmode: --sslmode, the URL, PGSSLMODE; libpq's default is prefer. */
function tlsMode(lookup: Lookup, problems: SettingProblem[]): { mode: SslMode; from: Candidate<string> | undefined } {
  const from = first(given(lookup.input.sslmode), lookup.param('sslmode', 'PGSSLMODE'));
  if (!from || (SSL_MODES as readonly string[]).includes(from.value)) return { mode: (from?.value as SslMode) ?? 'prefer', from };
  const advice =
    from.value === 'allow'
      ? 'allow (plain first, TLS only if the server insists) is not supported; use prefer or disable'
      : from.value === 'no-verify'
        ? 'no-verify is not a libpq sslmode; use require'
        : `must be one of ${SSL_MODES.join(', ')}, got "${from.value}"`;
  problems.push({ ...pick(from.origin), message: `sslmode ${advice}` });
  return { mode: 'prefer', from };
}

/** The CA certificate(s) the server's certificate is checked against, read now. */
function rootCertificate(
  lookup: Lookup,
  tls: { mode: SslMode; from: Candidate<string> | undefined },
  files: TlsFiles,
  problems: SettingProblem[],
): { rootCert: TlsSettings['rootCert']; ca: string | null } {
  const rootC = first(given(lookup.input.sslRootCert), lookup.param('sslrootcert', 'PGSSLROOTCERT'), files.byDefault('root.crt'));
  const { mode } = tls;
  if (rootC?.value === 'system') {
    // libpq 16: the system's CAs vouch for any name they signed, so only verify-full is safe.
    if (mode !== 'verify-full') {
      problems.push({
        ...pick(rootC.origin),
        message: `sslrootcert=system needs sslmode=verify-full (weak sslmode "${mode}" may not be used with it)`,
      });
    }
    return { rootCert: 'system', ca: null };
  }
  if (rootC) return { rootCert: { path: files.path(rootC), from: rootC.from }, ca: files.read(rootC, 'root certificate file') };
  if (mode === 'verify-ca' || mode === 'verify-full') {
    problems.push({
      ...pick(tls.from!.origin),
      message: `sslmode=${mode} needs the CA certificate that signed the server's: give --ssl-root-cert FILE (or sslrootcert= in the URL, PGSSLROOTCERT); the default ${files.home('root.crt')} does not exist. sslrootcert=system uses the operating system's trusted CAs (verify-full only)`,
    });
  }
  return { rootCert: null, ca: null };
}

/** The client certificate and its private key, read now: a certificate needs its key, and the key must be private. */
function clientCertificate(
  lookup: Lookup,
  files: TlsFiles,
  problems: SettingProblem[],
): Pick<TlsSettings, 'cert' | 'key'> & { certPem: string | null; keyPem: string | null } {
  const certC = first(given(lookup.input.sslCert), lookup.param('sslcert', 'PGSSLCERT'), files.byDefault('postgresql.crt'));
  const keyC = first(given(lookup.input.sslKey), lookup.param('sslkey', 'PGSSLKEY'), files.byDefault('postgresql.key'));
  if (!certC) return { cert: null, key: null, certPem: null, keyPem: null };
  const cert = { path: files.path(certC), from: certC.from };
  const certPem = files.read(certC, 'client certificate file');
  if (!keyC) {
    problems.push({
      ...pick(certC.origin),
      message: `a client certificate needs its private key: give --ssl-key FILE (or sslkey= in the URL, PGSSLKEY); the default ${files.home('postgresql.key')} does not exist`,
    });
    return { cert, key: null, certPem, keyPem: null };
  }
  const file = files.path(keyC);
  const unsafe = files.keyFileUnsafe(file);
  if (unsafe) problems.push({ ...pick(keyC.origin), message: `the private key file ${file} ${unsafe}` });
  return { cert, key: { path: file, from: keyC.from }, certPem, keyPem: unsafe ? null : files.read(keyC, 'private key file') };
}

function resolveTls(lookup: Lookup, socket: boolean, problems: SettingProblem[], notes: TargetNote[]): TlsResolution {
  const tls = tlsMode(lookup, problems);
  const { mode, from } = tls;
  if (mode === 'disable' || socket) {
    if (socket && from && mode !== 'disable' && mode !== 'prefer') {
      notes.push({ level: 'debug', message: `sslmode=${mode} has no effect over a Unix socket: libpq never uses TLS there` });
    }
    return {
      settings: { mode, verify: 'none', attempt: false, rootCert: null, cert: null, key: null },
      pems: { ca: null, cert: null, key: null },
      summary: socket ? 'Unix socket (no TLS)' : `sslmode disable${from ? ` from ${from.from}` : ''}`,
    };
  }
  const files = new TlsFiles(lookup.io, problems);
  const { rootCert, ca } = rootCertificate(lookup, tls, files, problems);
  const { cert, key, certPem, keyPem } = clientCertificate(lookup, files, problems);
  // libpq: require with a root certificate available checks the chain like verify-ca.
  const verify: TlsSettings['verify'] =
    mode === 'verify-full' ? 'full' : mode === 'verify-ca' ? 'ca' : mode === 'require' && rootCert !== null ? 'ca' : 'none';
  const summary = [
    `sslmode ${mode}${from ? ` from ${from.from}` : ' (default)'}`,
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
