/**
 * Command-line flags, derived from a command's option schema (src/config/fields.ts): one
 * definition gives the flag, its --help line and default, and its environment variable.
 * Values are declared as strings (switches excepted): the zod schemas decide what is valid,
 * so a flag, an environment variable and a config-file key are judged alike.
 */
import type { Argv } from 'yargs';
import parse from 'yargs-parser';
import type { OptionInfo } from '../config/fields.js';
import { camel } from '../config/spelling.js';
import { CONFIG_ENV } from '../config/resolve.js';

/** Not a setting but where settings come from, so it lives in no schema. */
export const CONFIG_FLAG: OptionInfo = {
  key: 'config',
  flag: 'config',
  env: CONFIG_ENV,
  describe: 'options file: .yaml, .yml or .json (precedence: flags > environment > file > defaults)',
  group: 'Connection:',
  boolean: false,
  defaultText: `${CONFIG_ENV}, else ./aibridge-migrate.yaml/.yml/.json`,
  flagOnly: false,
  setting: 'config',
};

/** Keys yargs itself puts in argv. */
const YARGS_KEYS = new Set(['_', '$0', 'help', 'h', 'version']);

export function declareFlags<T>(yargs: Argv<T>, options: readonly OptionInfo[]): Argv<T> {
  let y = yargs;
  for (const option of options) {
    y = y.option(option.flag, {
      // Where else it can be set: its environment variable (and, implied, the config file key).
      describe: `${option.describe}${option.env ? ` [env ${option.env}]` : option.key === 'config' ? '' : ' [flag only]'}`,
      type: option.boolean ? 'boolean' : 'string',
      // A string flag always takes the next word as its value, so `--lock-timeout -2s` reaches
      // validation (and its clear message) instead of being split into the flags -2 and -s.
      ...(option.boolean ? {} : { nargs: 1 }),
      ...(option.group ? { group: option.group } : {}),
      ...(option.defaultText ? { defaultDescription: option.defaultText } : {}),
    }) as Argv<T>;
  }
  return y;
}

/**
 * A command line that yargs itself must answer: --help, --version, the word `help`, or any
 * single-dash word (yargs reads `-h` and bundles like `-xh`). Every other command line of a
 * known command is parsed by parseFlags alone.
 */
export function yargsOnly(argv: readonly string[]): boolean {
  return argv.some((word) => word === 'help' || /^--(help|version)(=|$)/.test(word) || /^-[^-]/.test(word));
}

/**
 * A command's flags parsed as yargs parses them for its handler (the same parser, the same
 * declarations, yargs' configuration), without loading yargs: loading it and the help-text
 * modules it imports took a backfill whose connection is refused from 407 to 477 ms (median of 12
 * runs each, built from dist/src). test/unit/cli/flags.test.ts holds the two side by side.
 */
export function parseFlags(
  argv: readonly string[],
  options: readonly OptionInfo[],
): { argv: Record<string, unknown>; error: string | null } {
  const parsed = parse.detailed([...argv], {
    boolean: options.filter((o) => o.boolean).map((o) => o.flag),
    string: options.filter((o) => !o.boolean).map((o) => o.flag),
    narg: Object.fromEntries(options.filter((o) => !o.boolean).map((o) => [o.flag, 1])),
    configuration: { 'parse-positional-numbers': false },
  });
  return { argv: parsed.argv, error: parsed.error?.message ?? null };
}

/** The flags the user actually typed, keyed in camelCase. */
export function typedFlags(argv: Record<string, unknown>, options: readonly OptionInfo[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key } of options) {
    if (argv[key] !== undefined) out[key] = argv[key];
  }
  return out;
}

/**
 * Names in argv that no declared flag accounts for, in their kebab-case spelling. yargs
 * records each unknown `--foo-bar` twice (foo-bar and fooBar); only the first is kept.
 */
export function unknownFlags(argv: Record<string, unknown>, options: readonly OptionInfo[]): string[] {
  const known = new Set<string>(YARGS_KEYS);
  for (const option of options) {
    known.add(option.key);
    known.add(option.flag);
  }
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const name of Object.keys(argv)) {
    if (known.has(name) || seen.has(camel(name))) continue;
    seen.add(camel(name));
    unknown.push(name);
  }
  return unknown;
}
