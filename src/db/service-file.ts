/**
 * libpq's connection service files (libpq manual, "The Connection Service File"): a service
 * name (`service=` in the URL, else PGSERVICE) names a section of an INI file whose lines are
 * connection parameters. The per-user file (PGSERVICEFILE, else ~/.pg_service.conf) is searched
 * first, then the system-wide one (pg_service.conf in PGSYSCONFDIR, else the directory libpq was
 * built with); the first file holding the section wins. Its parameters rank below the URL's and
 * above the PG* variables. Pure: files are read through the functions passed in.
 */

/** Where libpq looks when PGSYSCONFDIR is not set: Debian's and Ubuntu's libpq. */
export const DEFAULT_SYSCONFDIR = '/etc/postgresql-common';

export interface ServiceEntry {
  /** The file the section was found in. */
  file: string;
  /** Parameter → value, as written (libpq trims the blanks around both). */
  params: Record<string, string>;
  /** Line of each parameter, for messages. */
  lines: Record<string, number>;
}

export type ServiceLookup = { ok: true; entry: ServiceEntry } | { ok: false; problem: string };

/** The section `service` of one file's text, or null when the file has no such section. */
export function parseServiceSection(text: string, service: string, file: string): ServiceEntry | { problem: string } | null {
  let inSection = false;
  let found = false;
  const params: Record<string, string> = {};
  const lines: Record<string, number> = {};
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      if (!line.endsWith(']')) return { problem: `${file} line ${i + 1}: a section name must end with "]"` };
      // A service may appear in several sections of one file: libpq reads only the first.
      if (found) break;
      inSection = line.slice(1, -1).trim() === service;
      found ||= inSection;
      continue;
    }
    if (!inSection) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { problem: `${file} line ${i + 1}: expected key=value, got "${line.slice(0, 40)}"` };
    const key = line.slice(0, eq).trim();
    if (key === 'service') return { problem: `${file} line ${i + 1}: nested service specifications are not supported (as in libpq)` };
    params[key] = line.slice(eq + 1).trim();
    lines[key] = i + 1;
  }
  return found ? { file, params, lines } : null;
}

export interface ServiceFiles {
  /** PGSERVICEFILE or ~/.pg_service.conf */
  user: string;
  /** PGSYSCONFDIR/pg_service.conf or the default directory's */
  system: string;
}

export function serviceFiles(env: Readonly<Record<string, string | undefined>>, homedir: string): ServiceFiles {
  return {
    user: env.PGSERVICEFILE || `${homedir}/.pg_service.conf`,
    system: `${env.PGSYSCONFDIR || DEFAULT_SYSCONFDIR}/pg_service.conf`,
  };
}

/** Finds `service` in the user file, then the system file (a file that does not exist is skipped, as libpq does). */
export function lookupService(
  service: string,
  files: ServiceFiles,
  io: { exists(file: string): boolean; readFile(file: string): string },
): ServiceLookup {
  for (const file of [files.user, files.system]) {
    if (!io.exists(file)) continue;
    let text: string;
    try {
      text = io.readFile(file);
    } catch (error) {
      return { ok: false, problem: `cannot read the service file ${file}: ${error instanceof Error ? error.message : String(error)}` };
    }
    const section = parseServiceSection(text, service, file);
    if (section === null) continue;
    if ('problem' in section) return { ok: false, problem: section.problem };
    return { ok: true, entry: section };
  }
  return {
    ok: false,
    problem: `definition of service "${service}" not found (looked in ${files.user} and ${files.system}; PGSERVICEFILE and PGSYSCONFDIR choose them)`,
  };
}
