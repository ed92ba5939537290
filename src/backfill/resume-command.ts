/**
 * The exact command that continues a stopped run: the same options minus the ones that would
 * change what "continue" means (--restart, --dry-run), with any password in a URL masked.
 */
import { kebab } from '../config/spelling.js';
import { redactUrl } from '../text/redact.js';

const DROPPED = new Set(['restart', 'dryRun', 'wait']);

/** POSIX shell quoting, only where needed. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * How to continue a stopped run, and where: the command alone may not say which database (PG*
 * variables, a config file). `also` adds what else resuming does.
 */
export function resumeHint(command: string, where: string, also?: string): string {
  return `Resume with: ${command} (it continues on ${where}${also ? `; ${also}` : ''})`;
}

export function resumeCommandLine(flags: Record<string, unknown>, program = 'aibridge-migrate'): string {
  const parts = [program, 'backfill'];
  for (const [key, value] of Object.entries(flags)) {
    if (DROPPED.has(key) || value === undefined || value === false) continue;
    if (value === true) parts.push(`--${kebab(key)}`);
    else parts.push(`--${kebab(key)}`, shellQuote(key === 'databaseUrl' ? redactUrl(String(value)) : String(value)));
  }
  return parts.join(' ');
}
