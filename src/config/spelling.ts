/**
 * How one option is spelled in each place it can be set: camelCase in code, the API and the
 * config file (which also takes kebab-case), kebab-case on the command line, and
 * AIBRIDGE_MIGRATE_SNAKE_CASE in the environment; and the nearest right spelling of a misspelt
 * name, for "did you mean". (The database's names — tables, columns — are src/names.ts.)
 */

export const ENV_PREFIX = 'AIBRIDGE_MIGRATE_';

/** `lockTimeout` → `lock-timeout` (the flag and config-file spelling). */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `lock-timeout` or `lock_timeout` → `lockTimeout`. */
export function camel(key: string): string {
  return key.replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `lockTimeout` → `AIBRIDGE_MIGRATE_LOCK_TIMEOUT`. */
export function envName(key: string): string {
  return ENV_PREFIX + kebab(key).replaceAll('-', '_').toUpperCase();
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to a mistyped name, if it is close enough to be what was meant:
 * within a third of the name's length (at least 2 edits), or the name is a prefix of it.
 */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  const typed = name.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(typed) && typed.length >= 3 ? 1 : editDistance(typed, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(2, Math.floor(typed.length / 3)) ? best.candidate : undefined;
}
