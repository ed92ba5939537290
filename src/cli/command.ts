/** The thin yargs layer every command shares: declare flags, collect typed ones, run, exit. */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { COMMON_FLAGS, declareFlags, registerKeys, typedFlags, type FlagSpec } from './flags.js';
import { runAndExit } from './run.js';

export interface CommandSpec {
  command: string;
  describe: string;
  flags: Record<string, FlagSpec>;
  examples?: [command: string, description: string][];
  /** Gets the flags the user typed (camelCase, raw strings/booleans) and returns an exit code. */
  run(flags: Record<string, unknown>, argv: ArgumentsCamelCase): Promise<number>;
}

export function defineCommand(spec: CommandSpec): CommandModule {
  const flags = { ...COMMON_FLAGS, ...spec.flags };
  // Registered now, not in the builder: yargs builds only the invoked command, yet a config
  // file or environment shared by all commands may hold any command's settings.
  registerKeys(Object.keys(flags));
  return {
    command: spec.command,
    describe: spec.describe,
    builder: (yargs: Argv) => {
      let y = declareFlags(yargs, flags);
      for (const [example, description] of spec.examples ?? []) y = y.example(example, description);
      return y;
    },
    handler: async (argv: ArgumentsCamelCase) => {
      const typed = typedFlags(argv, flags);
      await runAndExit({ json: argv.json === true, debug: argv.debug === true }, () => spec.run(typed, argv));
    },
  };
}
