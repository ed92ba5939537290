/**
 * The password file (~/.pgpass, PGPASSFILE, or `passfile` in the URL) read with libpq's rules
 * (libpq manual, "The Password File"; fe-connect.c passwordFromFile):
 * - one entry per line, `hostname:port:database:username:password`; `#` starts a comment line;
 * - a backslash escapes the next character (so `\:` and `\\` in any field);
 * - each of the first four fields is a literal or `*`; the first matching line wins;
 * - the host matched is the `host` parameter (the `hostaddr` when no host is given), and
 *   `localhost` when connecting through the default socket directory;
 * - on Unix the file is ignored, with a warning, unless it is a plain file that neither the
 *   group nor others may read or write (0600 or stricter).
 * Pure: the caller reads the file and its mode.
 */

export interface PgpassEntry {
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
}

/** Splits one line into fields, honouring backslash escapes; the fifth field is the rest of the line. */
function fields(line: string): string[] | null {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      current += line[++i];
    } else if (c === ':' && out.length < 4) {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out.length === 5 ? out : null;
}

export function parsePgpass(text: string): PgpassEntry[] {
  const entries: PgpassEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const parts = fields(line);
    if (!parts) continue;
    const [host, port, database, user, password] = parts as [string, string, string, string, string];
    entries.push({ host, port, database, user, password });
  }
  return entries;
}

export interface PgpassQuery {
  host: string;
  port: string;
  database: string;
  user: string;
}

export function findPgpassPassword(entries: readonly PgpassEntry[], query: PgpassQuery): string | undefined {
  const matches = (pattern: string, value: string) => pattern === '*' || pattern === value;
  return entries.find(
    (e) => matches(e.host, query.host) && matches(e.port, query.port) && matches(e.database, query.database) && matches(e.user, query.user),
  )?.password;
}

/** Why libpq would ignore the file, or null when it may be used (mode as from fs.statSync). */
export function pgpassUnsafe(mode: number, isFile: boolean): string | null {
  if (!isFile) return 'is not a plain file';
  if ((mode & 0o077) !== 0) return 'has group or world access; permissions should be u=rw (0600) or less';
  return null;
}
