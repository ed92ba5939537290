import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { unknownFlagProblems, type Command } from '../../../src/cli/command.js';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { parseFlags, typedFlags, unknownFlags, yargsOnly } from '../../../src/cli/flags.js';

const command = (name: string): Command => COMMANDS.find((c) => c.name === name)!;

/** What a handler acts on: the typed settings, the unknown flags, the extra words, or the failure. */
function seen(command: Command, argv: Record<string, unknown> | null, failure: string | null) {
  if (failure !== null || argv === null) return { failure };
  return { typed: typedFlags(argv, command.flags), unknown: unknownFlags(argv, command.flags), words: argv._ };
}

/** The command line through yargs, as main.ts ran every command before parseFlags. */
async function viaYargs(command: Command, words: string[]) {
  let argv: Record<string, unknown> | null = null;
  let failure: string | null = null;
  await yargs(words)
    .command({ ...command.module, handler: (parsed) => void (argv = parsed) })
    .strictCommands()
    .fail((message) => void (failure = message))
    .parseAsync();
  return seen(command, argv, failure);
}

function viaParseFlags(command: Command, words: string[]) {
  const parsed = parseFlags(words, command.flags);
  return seen(command, parsed.error === null ? parsed.argv : null, parsed.error);
}

describe('a command line parsed without yargs', () => {
  it.for([
    ['backfill'],
    ['backfill', '--lock-timeout', '2s', '--dry-run'],
    ['backfill', '--lock-timeout=2s', '--no-dry-run'],
    ['backfill', '--dry-run=false', '--reverse', 'true'],
    ['backfill', '--batch-size', '500', '--max-rows-per-second', '1e3'],
    ['backfill', '--workers', '2', '--workers', '3'],
    ['backfill', '--lockTimeout', '2s'],
    ['backfill', '--database-url', 'postgres://u:p@h/d?sslmode=require&application_name=x'],
    ['backfill', '--lock-timout', '2s', '--unknown-flag', '5', '--a.b', 'c'],
    ['backfill', '--lock-timeout'],
    ['backfill', '--lock-timeout', '--dry-run'],
    ['backfill', '--lock-timeout', '', '--statement-timeout', ' 5s '],
    ['verify', '--format', 'json', '--', '--format', 'text'],
    ['up', '--json', '--debug', '--config', 'x.yaml'],
    ['status', '--check', '--json=false', '--no-debug'],
    ['throttle', '--max-rows-per-second', '0'],
  ])('%s: what the handler acts on is what yargs gave it', async (words) => {
    const target = command(words[0]!);
    const expected = await viaYargs(target, words);
    expect(viaParseFlags(target, words)).toEqual(expected);
  });

  it('words after the command are the one difference: yargs called them "Unknown commands", the handler says what they are', async () => {
    const words = ['verify', 'extra', '7'];
    expect(await viaYargs(command('verify'), words)).toEqual({ failure: 'Unknown commands: extra, 7' });
    expect(viaParseFlags(command('verify'), words)).toEqual({ typed: {}, unknown: [], words });
    expect(unknownFlagProblems(command('verify'), parseFlags(words, command('verify').flags).argv)).toEqual([
      'Unexpected arguments: extra 7 (verify takes options only)',
    ]);
  });

  it('a string flag at the end has the message yargs gives, so the usage error reads the same', () => {
    expect(parseFlags(['up', '--lock-timeout'], command('up').flags).error).toBe('Not enough arguments following: lock-timeout');
  });
});

describe('what only yargs answers', () => {
  it.for([
    [['backfill', '--help'], true],
    [['backfill', '--help=true'], true],
    [['verify', 'help'], true],
    [['--version'], true],
    [['up', '-h'], true],
    // A single-dash word (a negative value, a bundle of short flags): yargs decides what it is.
    [['up', '--lock-timeout', '-2s'], true],
    [['backfill', '--helpful'], false],
    [['backfill', '--database-url', 'postgres://h/helpdesk', '--version-table', 'v'], false],
    [['backfill', '--', 'x'], false],
  ] as const)('%s → %s', ([words, expected]) => {
    expect(yargsOnly(words)).toBe(expected);
  });
});
