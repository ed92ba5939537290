/** Database URLs: validated up front, and never shown with their password. */

/**
 * Replaces the password of every postgres URL inside `text` with `***`: the one between `:`
 * and the LAST `@` of the authority (a password typed with a raw `@` in it must not leave
 * its tail behind), and any `password=…` (a URL's query parameter, which pg honours too, or a
 * keyword/value connection string pasted where a URL was expected).
 */
export function redactUrl(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s'"]*:)([^\s'"]*?)(@[^@\s'"/?#]*(?=[/?#'"\s]|$))/gi, '$1***$3')
    .replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^&#\s'"]*)/gi, '$1***');
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; problem: string };

export function checkDatabaseUrl(raw: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: `"${redactUrl(raw)}" is not a URL; expected postgres://user:password@host:5432/database` };
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return { ok: false, problem: `the URL scheme must be postgres:// or postgresql://, not ${url.protocol}//` };
  }
  if (!url.hostname && !url.searchParams.get('host')) {
    return { ok: false, problem: 'the database URL names no host; expected postgres://user:password@host:5432/database' };
  }
  if (url.port && !(Number(url.port) > 0 && Number(url.port) < 65536)) {
    return { ok: false, problem: `the port ${url.port} in the database URL is not a valid TCP port` };
  }
  return { ok: true, url };
}
