/**
 * Every flag any command accepts, declared as plain data so `--help` needs neither zod nor pg.
 * Values are declared as strings (booleans excepted): the zod schemas in src/config decide
 * what is valid, so a flag, an environment variable and a config-file key are judged alike.
 */
import type { Argv } from 'yargs';

export interface FlagSpec {
  describe: string;
  type: 'string' | 'boolean';
  /** Shown in --help only; the real default lives in the zod schema. */
  defaultDescription?: string;
  group?: string;
}

const CONNECTION = 'Connection:';
const OUTPUT = 'Output:';

export const COMMON_FLAGS = {
  databaseUrl: { describe: 'PostgreSQL URL (postgres://user:pass@host:5432/db); or DATABASE_URL', type: 'string', group: CONNECTION },
  schema: { describe: 'schema holding the aibridge_* tables', type: 'string', defaultDescription: 'public', group: CONNECTION },
  stateSchema: { describe: "the toolkit's own schema (backfill ledger)", type: 'string', defaultDescription: 'aibridge_migrate', group: CONNECTION },
  migrationsSchema: { describe: 'schema of the migrations bookkeeping table', type: 'string', defaultDescription: 'public', group: CONNECTION },
  migrationsTable: { describe: 'name of the migrations bookkeeping table', type: 'string', defaultDescription: 'aibridge_migrate_migrations', group: CONNECTION },
  connectTimeout: { describe: 'give up connecting after this long (e.g. 10s)', type: 'string', defaultDescription: '10s', group: CONNECTION },
  config: { describe: 'JSON or YAML file of options (flags > environment > file > defaults)', type: 'string', group: CONNECTION },
  json: { describe: 'machine-readable output on stdout (logs stay on stderr)', type: 'boolean', group: OUTPUT },
  debug: { describe: 'show stack traces and SQL on failure', type: 'boolean', group: OUTPUT },
} satisfies Record<string, FlagSpec>;

/** Registered by each command module; read to tell unknown settings from other commands' settings. */
const allKeys = new Set<string>(Object.keys(COMMON_FLAGS));

export function knownOptionKeys(): ReadonlySet<string> {
  return allKeys;
}

export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function declareFlags<T>(yargs: Argv<T>, flags: Record<string, FlagSpec>): Argv<T> {
  let y = yargs;
  for (const [key, spec] of Object.entries(flags)) {
    allKeys.add(key);
    y = y.option(kebabCase(key), {
      describe: spec.describe,
      type: spec.type,
      // A string flag always takes the next word as its value, so `--lock-timeout -2s` reaches
      // validation (and its clear message) instead of being split into the flags -2 and -s.
      ...(spec.type === 'string' ? { nargs: 1 } : {}),
      ...(spec.group ? { group: spec.group } : {}),
      ...(spec.defaultDescription ? { defaultDescription: spec.defaultDescription } : {}),
    }) as Argv<T>;
  }
  return y;
}

/** Registers keys without declaring them (so a config file shared by all commands validates). */
export function registerKeys(keys: Iterable<string>): void {
  for (const key of keys) allKeys.add(key);
}

/** The flags the user actually typed, keyed in camelCase. */
export function typedFlags(argv: Record<string, unknown>, flags: Record<string, FlagSpec>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(flags)) {
    if (argv[key] !== undefined) out[key] = argv[key];
  }
  return out;
}
