#!/usr/bin/env node
/**
 * aibridge-migrate's command line. This file only registers commands and turns usage failures
 * (an unknown command, a missing one) into exit code 2; each command's handler exits through
 * cli/run.ts. Heavy modules (pg, node-pg-migrate) are imported inside handlers so --help is fast,
 * and yargs only for what it alone answers (--help, --version, a usage failure), so a command
 * starts without it.
 *
 * No top-level await: the release bundles this file as CommonJS too (a Node single executable
 * runs a CommonJS script), where top-level await does not exist.
 */
import parse from 'yargs-parser';
import { z } from 'zod';
import { outputShape } from '../config/common.js';
import { resolveSettings } from '../config/resolve.js';
import { nearest } from '../config/spelling.js';
import { UsageError } from '../errors.js';
import { TOKEN_USAGES } from '../names.js';
import { HELP_HINT, knownOptionKeys } from './command.js';
import { COMMANDS } from './commands/index.js';
import { parseFlags, yargsOnly } from './flags.js';
import { skipHelpCache } from './help-cache.js';
import { failAndExit, type RunFlags } from './run.js';
import { installSignalHandlers } from './signals.js';
import { packageVersion, versionDocument } from './version.js';

/**
 * The output mode before any command's settings exist (no command, an unknown one, --version):
 * the output options alone, resolved like every setting (flag > environment > config file),
 * from the command line as yargs reads it.
 */
async function outputMode(argv: string[]): Promise<RunFlags> {
  const { json, debug, config } = parse(argv, { boolean: ['json', 'debug'], string: ['config'] });
  const given = Object.fromEntries(Object.entries({ json, debug, config }).filter(([, value]) => value !== undefined));
  const resolution = await resolveSettings(z.object(outputShape), { from: 'cli', given, env: process.env, knownKeys: knownOptionKeys() });
  return { ...resolution.mode, configFile: resolution.configFile?.path ?? null };
}

async function main(argv: string[]): Promise<void> {
  const names = COMMANDS.map((c) => c.name);

  /** Reported like any other error: JSON on stdout when JSON output was asked for anywhere. */
  const usageFailure = async (problem: string): Promise<never> =>
    failAndExit(new UsageError([problem], { hint: HELP_HINT }), await outputMode(argv));

  // `--version --json` (or AIBRIDGE_MIGRATE_JSON): what a pipeline records about the tool it ran.
  if (argv.includes('--version') && (await outputMode(argv)).json) {
    process.stdout.write(`${JSON.stringify(versionDocument())}\n`);
    process.exit(0);
  }

  // Checked before yargs sees it, so a mistyped command gets the nearest one suggested.
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && !names.includes(first)) {
    const guess = nearest(first, names);
    await usageFailure(`Unknown command: ${first} (${guess ? `did you mean ${guess}? ` : ''}the commands are ${names.join(', ')})`);
  }

  const command = COMMANDS.find((c) => c.name === first);
  if (command && !yargsOnly(argv)) {
    const parsed = parseFlags(argv, command.flags);
    // yargs' own wording for a flag without its value, as its .fail below would report it.
    if (parsed.error !== null) await usageFailure(parsed.error);
    return command.run(parsed.argv);
  }

  const { default: yargs } = await import('yargs');
  let cli = yargs(argv)
    .scriptName('aibridge-migrate')
    .usage(
      `$0 <command> [options]\n\nVersioned schema change, online backfill and parity verification for the\ncache-token columns of Coder AI Bridge (${TOKEN_USAGES}).`,
    );
  for (const command of COMMANDS) cli = cli.command(command.module);
  skipHelpCache(cli);

  await cli
    .demandCommand(1, `Name a command: ${names.join(', ')}.`)
    // Unknown flags are judged by the command itself (cli/command.ts), with a suggestion.
    .strictCommands()
    .version(packageVersion())
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue(
      [
        'Every option can also be set as AIBRIDGE_MIGRATE_<OPTION> (e.g. AIBRIDGE_MIGRATE_LOCK_TIMEOUT=2s) or as a key of the config file; flags win over the environment, the environment over the file. The connection also honours the libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, ~/.pgpass, PGDATABASE, PGSSLMODE, PGSSLROOTCERT, …) for whatever the URL leaves out.',
        'Exit codes: 0 ok · 1 verify found parity failures · 2 usage or configuration error · 3 cannot connect or not permitted · 4 lock not granted within the retry budget · 5 preflight failed · 6 down refused · 7 another backfill is running · 8 retries exhausted (resumable) · 9 status --check / apply: not migrated and backfilled yet · 10 refused: the connection goes through a transaction-mode pooler (up, down, backfill, apply; see --pooler-ok) · 11 backfill cancelled by `aibridge-migrate cancel` (resumable) · 12 verify --sample found nothing (never a pass) · 70 internal error · 130/143 interrupted (resumable)',
      ].join('\n\n'),
    )
    .fail((message, error) => {
      // yargs calls this for its own parse failures (no command, a bad option count); handler
      // failures never reach it, they exit through runAndExit.
      void usageFailure(message ?? (error instanceof Error ? error.message : 'invalid command line'));
    })
    .parseAsync();
}

// Before anything else: as PID 1 (a container's entrypoint) no signal has a default action.
installSignalHandlers();
// As yargs' hideBin outside Electron: the arguments start after node's path and the script's.
main(process.argv.slice(2)).catch((error: unknown) => failAndExit(error, { json: false }));
