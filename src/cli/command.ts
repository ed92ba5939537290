/**
 * The thin yargs layer every command shares. A command is its option schema plus a body:
 * the flags, --help and environment names come from the schema; resolving the settings
 * (config file, environment, flags, the connection), logging where they came from, reporting
 * a bad setting, printing the result and exiting happen here, once for every command.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { z } from 'zod';
import type { Connected } from '../config/common.js';
import { optionInfos, type OptionInfo } from '../config/fields.js';
import { nearest } from '../config/spelling.js';
import { resolveSettings, type ConfigFile } from '../config/resolve.js';
import { UsageError } from '../errors.js';
import { CONFIG_FLAG, declareFlags, typedFlags, unknownFlags } from './flags.js';
import type { Log } from '../runtime.js';
import { detectTerminal, type Terminal } from '../text/colour.js';
import { createLogger } from './output.js';
import { failAndExit, outputModeOf, runAndExit } from './run.js';

export const HELP_HINT = 'Run `aibridge-migrate --help` (or `aibridge-migrate <command> --help`) for the options.';

export interface CommandContext {
  /** The flags as typed (camelCase), e.g. for the resume command. */
  typed: Record<string, unknown>;
  configFile: ConfigFile | null;
  log: Log;
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
  run(settings: Connected<z.output<S>>, context: CommandContext): Promise<number>;
}

export interface Command {
  name: string;
  options: readonly OptionInfo[];
  /** The option schemas, for the config file's JSON Schema (config-schema.ts). */
  shape: Readonly<Record<string, z.ZodType>>;
  module: CommandModule;
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
  const options = [...command.options, CONFIG_FLAG];
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

export function defineCommand<S extends z.ZodObject>(spec: CommandSpec<S>): Command {
  const options = optionInfos(spec.schema.shape as Record<string, z.ZodType>);
  const name = spec.command.split(' ')[0]!;
  const command: Command = {
    name,
    options,
    shape: spec.schema.shape as Record<string, z.ZodType>,
    module: {
      command: spec.command,
      describe: spec.describe,
      builder: (yargs: Argv) => {
        let y = declareFlags(yargs, [...options, CONFIG_FLAG]);
        for (const [example, description] of spec.examples ?? []) y = y.example(example, description);
        return y;
      },
      handler: async (argv: ArgumentsCamelCase) => {
        const unknown = unknownFlagProblems(command, argv);
        if (unknown.length > 0) {
          await failAndExit(
            new UsageError(unknown, { hint: HELP_HINT }),
            await outputModeOf(process.argv.slice(2), process.env, process.cwd()),
          );
        }
        const typed = typedFlags(argv, [...options, CONFIG_FLAG]);
        const resolution = await resolveSettings(spec.schema, {
          flags: typed,
          env: process.env,
          cwd: process.cwd(),
          knownKeys: knownOptionKeys(),
          flagOnlyKeys: flagOnlyKeys(),
        });
        if (!resolution.ok) {
          await failAndExit(resolution.error, {
            json: resolution.json,
            debug: resolution.debug,
            configFile: resolution.configFile?.path ?? null,
          });
          return;
        }
        const { settings, configFile } = resolution;
        // Every schema spreads connectionShape, so these two are always there.
        const { json, debug, quiet } = settings as unknown as { json: boolean; debug: boolean; quiet: boolean };
        const log = createLogger({ debug, quiet });
        log.debug(
          configFile
            ? `config file: ${configFile.path} (${configFile.via === 'working directory' ? 'found in the working directory' : `named by ${configFile.via}`})`
            : 'config file: none',
        );
        log.debug(`connection: ${settings.connection.summary}`);
        for (const note of resolution.notes) (note.level === 'warn' ? log.warn : log.debug)(note.message);
        const flags = { json, debug, configFile: configFile?.path ?? null };
        // --quiet in text mode: the result is shown only when the command did not succeed.
        let held: string | null = null;
        const context: CommandContext = {
          typed,
          configFile,
          log,
          terminal: detectTerminal(),
          print: (document, text) => {
            if (quiet && !json) held = (held ?? '') + `${text}\n`;
            else process.stdout.write(`${json ? JSON.stringify({ ...document, config_file: flags.configFile }) : text}\n`);
          },
        };
        await runAndExit(flags, async () => {
          const code = await spec.run(settings, context);
          if (held !== null && code !== 0) process.stdout.write(held);
          return code;
        });
      },
    },
  };
  registry.push(command);
  return command;
}
