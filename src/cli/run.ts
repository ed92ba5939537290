/**
 * The one place where an outcome becomes an exit status. Handlers return an exit code or
 * throw; this prints the error the way the user asked (text, or the JSON error document when
 * JSON output was asked for by flag, environment or config file: the output mode the settings
 * resolution gives, src/config/resolve.ts) and exits.
 */
import { EXIT_CODES, errorJson, toToolkitError, type ToolkitError } from '../errors.js';
import { redactUrl } from '../text/redact.js';
import { detectTerminal, paint } from '../text/colour.js';

export interface RunFlags {
  json?: boolean;
  debug?: boolean;
  /** The config file read, named in JSON documents (null: none). */
  configFile?: string | null;
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

/** The documented JSON error document (docs/commands.md, Output conventions). */
export function errorDocument(error: ToolkitError, configFile: string | null): Record<string, unknown> {
  return { status: 'error', error: errorJson(error), config_file: configFile };
}

export function reportFailure(error: unknown, flags: RunFlags): number {
  const known = toToolkitError(error);
  const message = redactUrl(known.message);
  const hint = known.hint ? redactUrl(known.hint) : undefined;
  if (flags.json) process.stdout.write(`${JSON.stringify(errorDocument(known, flags.configFile ?? null))}\n`);
  const { color } = detectTerminal();
  process.stderr.write(`${paint(color, 'red', 'error:')} ${message}\n`);
  if (hint) process.stderr.write(`${paint(color, 'dim', 'hint:')} ${hint}\n`);
  if (flags.debug) process.stderr.write(`${stackOf(known)}\n`);
  else if (known.code === 'INTERNAL') process.stderr.write('(run with --debug for the stack trace)\n');
  return known.exitCode;
}

async function flushAndExit(code: number): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise<void>((resolve) => (stream.writableLength === 0 ? resolve() : stream.once('drain', () => resolve()))),
    ),
  );
  process.exit(code);
}

/** Reports `error` (see reportFailure) and exits with its code. */
export async function failAndExit(error: unknown, flags: RunFlags): Promise<never> {
  return flushAndExit(reportFailure(error, flags));
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
