#!/usr/bin/env node
/**
 * aibridge-migrate's command line. This file only registers commands and turns yargs' own
 * usage failures into exit code 2; each command's handler exits through cli/run.ts.
 * Heavy modules (pg, node-pg-migrate, zod) are imported inside handlers so --help is fast.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../errors.js';
import { backfillCommand } from './commands/backfill.js';
import { downCommand } from './commands/down.js';
import { statusCommand } from './commands/status.js';
import { upCommand } from './commands/up.js';
import { verifyCommand } from './commands/verify.js';
import { reportFailure } from './run.js';
import { packageVersion } from './version.js';

const argv = hideBin(process.argv);

await yargs(argv)
  .scriptName('aibridge-migrate')
  .usage('$0 <command> [options]\n\nVersioned schema change, online backfill and parity verification for the\ncache-token columns of Coder AI Bridge (aibridge_token_usages).')
  .command(upCommand)
  .command(downCommand)
  .command(statusCommand)
  .command(backfillCommand)
  .command(verifyCommand)
  .demandCommand(1, 'Name a command: up, down, status, backfill or verify.')
  .strict()
  .recommendCommands()
  .version(packageVersion())
  .help()
  .alias('h', 'help')
  .wrap(Math.min(110, process.stdout.columns || 100))
  .epilogue(
    'Exit codes: 0 ok · 1 verify found parity failures · 2 usage or configuration error · 3 cannot connect or not permitted · 4 lock not granted within the retry budget · 5 preflight failed · 6 down refused · 7 another backfill is running · 8 retries exhausted (resumable) · 70 internal error · 130/143 interrupted (resumable)',
  )
  .fail((message, error) => {
    // yargs calls this for its own parse failures (unknown option, missing command); handler
    // failures never reach it, they exit through runAndExit.
    const problem = message ?? (error instanceof Error ? error.message : 'invalid command line');
    const code = reportFailure(new UsageError([problem], { hint: 'Run `aibridge-migrate --help` (or `aibridge-migrate <command> --help`) for the options.' }), {
      json: argv.includes('--json'),
    });
    process.exit(code);
  })
  .parseAsync();
