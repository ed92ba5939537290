/**
 * Database URLs: parsed with libpq's meaning (RFC 3986 `postgres://` URIs, as in the libpq
 * manual's "Connection URIs"), validated up front, and never shown with their password.
 */
import { redactUrl } from '../text/redact.js';

/** Query parameters this toolkit honours, with libpq's names. */
export const URL_PARAMETERS = [
  'host',
  'hostaddr',
  'port',
  'dbname',
  'user',
  'password',
  'passfile',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'connect_timeout',
  'application_name',
  'options',
  'channel_binding',
  'service',
] as const;

/**
 * libpq parameters accepted and ignored: they tune the socket or the session in ways that do
 * not change which server is reached or how it is authenticated.
 */
export const IGNORED_PARAMETERS: ReadonlySet<string> = new Set([
  'keepalives',
  'keepalives_idle',
  'keepalives_interval',
  'keepalives_count',
  'tcp_user_timeout',
  'target_session_attrs',
  'client_encoding',
  'fallback_application_name',
  'sslcompression',
  'sslsni',
]);

export type UrlParameter = (typeof URL_PARAMETERS)[number];

/** What a URL says, decoded; a part it leaves out is absent (libpq then asks PG* variables). */
export type UrlParts = Partial<Record<UrlParameter, string>>;

export type UrlParse = { ok: true; parts: UrlParts } | { ok: false; problem: string };

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Several hosts (`h1,h2`) are refused wherever they are given: libpq tries them in turn, pg has
 * no such failover, and silently using the first would hide a misconfiguration.
 */
export function severalHosts(hosts: string): string | null {
  return hosts.includes(',')
    ? `names several hosts (${hosts}): aibridge-migrate connects to exactly one server (the driver has no multi-host failover); give the primary's`
    : null;
}

/**
 * Parses a `postgres://` or `postgresql://` URL. `postgresql:///db` (no host) means the local
 * socket, as in libpq. Problems never quote the password.
 */
export function parseDatabaseUrl(raw: string, options: { echo?: boolean } = {}): UrlParse {
  const text = raw.trim();
  // A URL read from a secret file is never quoted back, not even redacted.
  const notAUrl = `${options.echo === false ? 'it' : `"${redactUrl(text)}"`} is not a URL; expected postgres://user:password@host:5432/database`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'postgres' && scheme !== 'postgresql') {
    return { ok: false, problem: `the URL scheme must be postgres:// or postgresql://, not ${scheme}://` };
  }
  const authority = /^[a-z]+:\/\/([^/?#]*)/i.exec(text)?.[1] ?? '';
  const hostPart = authority.slice(authority.lastIndexOf('@') + 1);
  // Checked before the URL is parsed, which would fail on `h1:5432,h2:5433` with a vaguer message.
  const several = severalHosts(hostPart);
  if (several) return { ok: false, problem: `the URL ${several}` };
  // libpq accepts user info with no host (postgresql://app@/db?host=/run/pg); WHATWG URL does
  // not, so a placeholder host is parsed and dropped. A URL that ends at the `@` is truncated.
  const noHost = hostPart === '' && authority.includes('@') && /^[a-z]+:\/\/[^/?#]*@[/?]/i.test(text);
  let url: URL;
  try {
    url = new URL(noHost ? text.replace(/^([a-z]+:\/\/[^/?#]*@)/i, '$1placeholder') : text);
  } catch {
    return { ok: false, problem: notAUrl };
  }
  if (scheme === undefined) return { ok: false, problem: notAUrl };
  const parts: UrlParts = {};
  // Brackets belong to the URL syntax of an IPv6 address, not to the address.
  if (url.hostname && !noHost) parts.host = decode(url.hostname).replace(/^\[(.*)\]$/, '$1');
  if (url.port) parts.port = url.port;
  if (url.username) parts.user = decode(url.username);
  if (url.password) parts.password = decode(url.password);
  const database = decode(url.pathname.replace(/^\//, ''));
  if (database) parts.dbname = database;
  for (const [name, value] of url.searchParams) {
    if ((URL_PARAMETERS as readonly string[]).includes(name)) parts[name as UrlParameter] = value;
    else if (name === 'ssl')
      return { ok: false, problem: `the URL parameter "ssl" is not a libpq parameter; use sslmode=require (or verify-full)` };
    else if (!IGNORED_PARAMETERS.has(name)) {
      return { ok: false, problem: `the URL parameter "${name}" is not supported; supported: ${URL_PARAMETERS.join(', ')}` };
    }
  }
  // The host, hostaddr and port parameters are judged with the PG* variables and the service
  // file's, whichever gives them (target.ts).
  return { ok: true, parts };
}

export type UrlCheck = { ok: true } | { ok: false; problem: string };

/** Syntax only (for option validation); what the URL means is decided in target.ts. */
export function checkDatabaseUrl(raw: string): UrlCheck {
  const parsed = parseDatabaseUrl(raw);
  return parsed.ok ? { ok: true } : parsed;
}
