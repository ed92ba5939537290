/**
 * The one place where an outcome becomes an exit status. Handlers return an exit code or
 * throw; this prints the error the way the user asked (text or --json) and exits.
 */
import { EXIT_CODES, ToolkitError, isToolkitError } from '../errors.js';
import { redactUrl } from '../db/url.js';
import { detectTerminal, paint } from './output.js';

export interface RunFlags {
  json?: boolean;
  debug?: boolean;
}

function stackOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.stack ?? current.message);
    current = (current as { cause?: unknown }).cause;
  }
  return redactUrl(parts.join('\ncaused by: '));
}

export function reportFailure(error: unknown, flags: RunFlags): number {
  const known: ToolkitError = isToolkitError(error)
    ? error
    : new ToolkitError('INTERNAL', `unexpected error: ${error instanceof Error ? error.message : String(error)}`, {
        hint: 'This is a bug in aibridge-migrate. Run again with --debug and report the output.',
        cause: error,
      });
  const message = redactUrl(known.message);
  const hint = known.hint ? redactUrl(known.hint) : undefined;
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ status: 'error', error: { code: known.code, exit_code: known.exitCode, message, hint: hint ?? null, details: known.details } })}\n`,
    );
  }
  const { color } = detectTerminal();
  process.stderr.write(`${paint(color, 'red', 'error:')} ${message}\n`);
  if (hint) process.stderr.write(`${paint(color, 'dim', 'hint:')} ${hint}\n`);
  if (flags.debug) process.stderr.write(`${stackOf(known)}\n`);
  else if (known.code === 'INTERNAL') process.stderr.write('(run with --debug for the stack trace)\n');
  return known.exitCode;
}

async function flushAndExit(code: number): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => (stream.writableLength === 0 ? resolve() : stream.once('drain', () => resolve())))),
  );
  process.exit(code);
}

/** Runs a command body and exits with its code (or the code of what it threw). */
export async function runAndExit(flags: RunFlags, body: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await body();
  } catch (error) {
    code = reportFailure(error, flags);
  }
  return flushAndExit(code ?? EXIT_CODES.ok);
}
