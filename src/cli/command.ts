/**
 * The thin yargs layer every command shares. A command is its option schema plus a body:
 * the flags, --help and environment names come from the schema; resolving the settings
 * (config file, environment, flags, the connection), logging where they came from, reporting
 * a bad setting, building the Runtime, printing the result and exiting happen here, once for
 * every command.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { z } from 'zod';
import type { Connected, Settings } from '../config/common.js';
import { optionInfos, type OptionInfo } from '../config/fields.js';
import { kebab, nearest } from '../config/spelling.js';
import { resolveSettings, type ConfigFile, type SettingOrigin } from '../config/resolve.js';
import { UsageError } from '../errors.js';
import { CONFIG_FLAG, declareFlags, typedFlags, unknownFlags } from './flags.js';
import { systemRuntime, type Runtime } from '../runtime.js';
import { detectTerminal, type Terminal } from '../text/colour.js';
import { createLogger } from './output.js';
import { failAndExit, runAndExit, type RunFlags } from './run.js';

export const HELP_HINT = 'Run `aibridge-migrate --help` (or `aibridge-migrate <command> --help`) for the options.';

export interface CommandContext {
  /** The flags as typed (camelCase), e.g. for the resume command. */
  typed: Record<string, unknown>;
  configFile: ConfigFile | null;
  /** The process's clock, sleep, randomness and log (stderr): built here, once per command. */
  runtime: Runtime;
  terminal: Terminal;
  /** The result on stdout: `document` (with `config_file`) in JSON mode, `text` otherwise. */
  print(document: Record<string, unknown>, text: string): void;
}

export interface CommandSpec<S extends z.ZodObject> {
  command: string;
  describe: string;
  schema: S;
  examples?: [command: string, description: string][];
  /** The command's body: resolved settings in, exit code out (or a thrown ToolkitError). */
  run(settings: Settings<S>, context: CommandContext): Promise<number>;
}

export interface Command {
  name: string;
  options: readonly OptionInfo[];
  /** Its command-line flags: its options and --config. */
  flags: readonly OptionInfo[];
  /** The option schemas, for the config file's JSON Schema (config-schema.ts). */
  shape: Readonly<Record<string, z.ZodType>>;
  /** For yargs: --help and the usage failures it reports. */
  module: CommandModule;
  /** The handler, given the parsed command line (by yargs, or by parseFlags without it). */
  run(argv: Record<string, unknown>): Promise<void>;
}

/**
 * Every defined command, so that a config file or environment shared by all commands may
 * hold any command's settings (yargs builds only the invoked command).
 */
const registry: Command[] = [];

export function knownOptionKeys(): ReadonlySet<string> {
  return new Set(registry.flatMap((c) => c.options.map((o) => o.key)));
}

function flagOnlyKeys(): ReadonlySet<string> {
  return new Set(registry.flatMap((c) => c.options.filter((o) => o.flagOnly).map((o) => o.key)));
}

/** "Unknown argument: lock-timout (did you mean --lock-timeout?)", one per unknown flag. */
export function unknownFlagProblems(command: Command, argv: Record<string, unknown>): string[] {
  const options = command.flags;
  const problems = unknownFlags(argv, options).map((name) => {
    // The most specific command that has it: `up --batch-size` points at backfill, not apply.
    const owner = registry
      .filter((c) => c !== command && c.options.some((o) => o.flag === name || o.key === name))
      .sort((a, b) => a.options.length - b.options.length)[0];
    if (owner) return `Unknown argument: ${name} (an option of ${owner.name}, not of ${command.name})`;
    const guess = nearest(
      name,
      options.map((o) => o.flag),
    );
    return `Unknown argument: ${name}${guess ? ` (did you mean --${guess}?)` : ''}`;
  });
  const extra = ((argv._ as unknown[]) ?? []).slice(1);
  if (extra.length > 0)
    problems.push(`Unexpected argument${extra.length > 1 ? 's' : ''}: ${extra.join(' ')} (${command.name} takes options only)`);
  return problems;
}

/** For --debug: the settings that did not take their default, and where each came from. */
function originsLine(origins: Record<string, SettingOrigin>): string {
  const given = Object.entries(origins).filter(([, origin]) => origin.kind !== 'default');
  if (given.length === 0) return 'settings: all defaults';
  return `settings: ${given.map(([key, origin]) => `${kebab(key)} from ${origin.source}`).join(', ')}; the others: defaults`;
}

/** A command's handler: resolve the settings, report a bad one, run the body, print, exit. */
async function handle<S extends z.ZodObject>(spec: CommandSpec<S>, command: Command, argv: Record<string, unknown>): Promise<void> {
  const typed = typedFlags(argv, command.flags);
  const resolution = await resolveSettings(spec.schema, {
    from: 'cli',
    given: typed,
    env: process.env,
    cwd: process.cwd(),
    knownKeys: knownOptionKeys(),
    flagOnlyKeys: flagOnlyKeys(),
  });
  const { configFile } = resolution;
  const output: RunFlags = { ...resolution.mode, configFile: configFile?.path ?? null };
  const unknown = unknownFlagProblems(command, argv);
  if (unknown.length > 0) await failAndExit(new UsageError(unknown, { hint: HELP_HINT }), output);
  if (!resolution.ok) return failAndExit(resolution.error, output);
  const { settings } = resolution;
  // Every command's schema spreads connectionShape: its settings have the connection and --quiet.
  const { connection, quiet } = settings as Connected<{ quiet?: boolean }>;
  const log = createLogger({ debug: output.debug, quiet: quiet ?? false });
  const via = configFile?.via === 'working directory' ? 'found in the working directory' : `named by ${configFile?.via}`;
  log.debug(configFile ? `config file: ${configFile.path} (${via})` : 'config file: none');
  log.debug(originsLine(resolution.origins));
  log.debug(`connection: ${connection.summary}`);
  for (const note of resolution.notes) (note.level === 'warn' ? log.warn : log.debug)(note.message);
  // --quiet in text mode: the result is shown only when the command did not succeed.
  let held: string | null = null;
  const context: CommandContext = {
    typed,
    configFile,
    runtime: systemRuntime({ log }),
    terminal: detectTerminal(),
    print: (document, text) => {
      if (quiet && !output.json) held = (held ?? '') + `${text}\n`;
      else process.stdout.write(`${output.json ? JSON.stringify({ ...document, config_file: output.configFile }) : text}\n`);
    },
  };
  await runAndExit(output, async () => {
    const code = await spec.run(settings, context);
    if (held !== null && code !== 0) process.stdout.write(held);
    return code;
  });
}

export function defineCommand<S extends z.ZodObject>(spec: CommandSpec<S>): Command {
  const options = optionInfos(spec.schema.shape as Record<string, z.ZodType>);
  const name = spec.command.split(' ')[0]!;
  const command: Command = {
    name,
    options,
    flags: [...options, CONFIG_FLAG],
    shape: spec.schema.shape as Record<string, z.ZodType>,
    module: {
      command: spec.command,
      describe: spec.describe,
      builder: (yargs: Argv) => {
        let y = declareFlags(yargs, command.flags);
        for (const [example, description] of spec.examples ?? []) y = y.example(example, description);
        return y;
      },
      handler: (argv: ArgumentsCamelCase) => command.run(argv),
    },
    run: (argv) => handle(spec, command, argv),
  };
  registry.push(command);
  return command;
}
