/**
 * Every failure a user can cause or meet is one of these classes, each with a stable `code` and
 * the documented exit status it stands for. Library code throws and never exits: src/cli/run.ts
 * alone turns an error into the process's exit status.
 */
import { redactUrl } from './text/redact.js';

export const EXIT_CODES = {
  ok: 0,
  /** verify: parity does not hold (pending or conflicting rows, totals disagree). */
  parityFailed: 1,
  /** Bad flag, environment variable or config file value. */
  usage: 2,
  /** Cannot reach the server, authenticate, or the role lacks a privilege. */
  connection: 3,
  /** A lock (ALTER's ACCESS EXCLUSIVE, or a batch's row locks) was not granted within the retry budget. */
  lockTimeout: 4,
  /** The database is not in a state the command can work on (version, missing table or column, rule changed). */
  preflight: 5,
  /** down refused because it would destroy data, or because the columns belong to Coder. */
  downRefused: 6,
  /** Another backfill run holds the runner lock. */
  alreadyRunning: 7,
  /** A transient failure outlasted the retry budget; the run is checkpointed and can be resumed. */
  retriesExhausted: 8,
  /** `status --check`: a migration is pending, or the forward backfill has not completed with no eligible row left. */
  notReady: 9,
  /**
   * A mutating command refused to start: its connection does not keep one server session (a
   * transaction- or statement-mode pooler), so a session lock could be left behind or shared.
   */
  pooler: 10,
  /** The backfill was cancelled by `aibridge-migrate cancel`; checkpointed, a later `backfill` resumes it. */
  cancelled: 11,
  /**
   * `verify --sample` found no failing row in its sample. Not a pass: a sample cannot show that
   * no row fails, so a pipeline that gates on verify must never see 0 from one.
   */
  sampleOnly: 12,
  /** A bug: anything not classified above. */
  internal: 70,
  interrupted: 130,
  terminated: 143,
} as const;

export type ErrorCode =
  | 'USAGE'
  | 'CONNECTION'
  | 'PERMISSION'
  | 'LOCK_TIMEOUT'
  | 'PREFLIGHT'
  | 'DOWN_REFUSED'
  | 'ALREADY_RUNNING'
  | 'RETRIES_EXHAUSTED'
  | 'POOLER'
  | 'INTERRUPTED'
  | 'CANCELLED'
  | 'INTERNAL';

const EXIT_BY_CODE: Record<ErrorCode, number> = {
  USAGE: EXIT_CODES.usage,
  CONNECTION: EXIT_CODES.connection,
  PERMISSION: EXIT_CODES.connection,
  LOCK_TIMEOUT: EXIT_CODES.lockTimeout,
  PREFLIGHT: EXIT_CODES.preflight,
  DOWN_REFUSED: EXIT_CODES.downRefused,
  ALREADY_RUNNING: EXIT_CODES.alreadyRunning,
  RETRIES_EXHAUSTED: EXIT_CODES.retriesExhausted,
  POOLER: EXIT_CODES.pooler,
  INTERRUPTED: EXIT_CODES.interrupted,
  CANCELLED: EXIT_CODES.cancelled,
  INTERNAL: EXIT_CODES.internal,
};

/**
 * The same error (its class, code, message, details and cause) with `hint` added after its own:
 * for what only the caller that returns it knows, such as how to resume a stopped run.
 */
export function withHint<E extends ToolkitError>(error: E, hint: string): E {
  const copy = Object.create(Object.getPrototypeOf(error) as object, Object.getOwnPropertyDescriptors(error)) as E;
  Object.defineProperty(copy, 'hint', { value: error.hint ? `${error.hint} ${hint}` : hint, enumerable: true });
  return copy;
}

export interface ToolkitErrorOptions {
  /** What the user should do about it; printed after the message. */
  hint?: string;
  cause?: unknown;
  /** Structured facts for --json output (never secrets). */
  details?: Record<string, unknown>;
}

export class ToolkitError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ToolkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  get exitCode(): number {
    return exitCodeFor(this.code);
  }
}

/**
 * One thing wrong with the settings: which setting, where its value came from (`--batch-size`,
 * `AIBRIDGE_MIGRATE_BATCH_SIZE`, `config file key "batch-size"`, `options.batchSize`, `PGSSLMODE`),
 * and what is wrong. The same shape for the CLI and every API entry point.
 */
export interface SettingProblem {
  /** The option's kebab-case name, as on the command line; null for a libpq variable or a file. */
  setting: string | null;
  /** Where the value came from; null when it is the combination that is wrong. */
  source: string | null;
  message: string;
}

/** `Setting 'batch-size' (--batch-size): must be …`, or `PGPORT: must be …`, or the message alone. */
export function formatProblem(problem: SettingProblem): string {
  if (problem.setting !== null) return `Setting '${problem.setting}'${problem.source ? ` (${problem.source})` : ''}: ${problem.message}`;
  return problem.source ? `${problem.source}: ${problem.message}` : problem.message;
}

export class UsageError extends ToolkitError {
  /** Every problem found, so a user fixes them all in one go (formatted as in formatProblem). */
  readonly problems: string[];
  constructor(problems: (string | SettingProblem)[], options: ToolkitErrorOptions = {}) {
    const lines = problems.map((p) => (typeof p === 'string' ? p : formatProblem(p)));
    const structured = problems.map((p) => (typeof p === 'string' ? { setting: null, source: null, message: p } : p));
    super('USAGE', lines.length === 1 ? lines[0]! : `${lines.length} problems:\n  - ${lines.join('\n  - ')}`, {
      ...options,
      details: { problems: structured, ...options.details },
    });
    this.problems = lines;
  }
}

export class ConnectionError extends ToolkitError {
  constructor(message: string, options: ToolkitErrorOptions = {}) {
    super('CONNECTION', message, options);
  }
}

export class PermissionError extends ToolkitError {
  constructor(message: string, options: ToolkitErrorOptions = {}) {
    super('PERMISSION', message, options);
  }
}

export class LockTimeoutError extends ToolkitError {
  constructor(message: string, options: ToolkitErrorOptions = {}) {
    super('LOCK_TIMEOUT', message, options);
  }
}

export class PreflightError extends ToolkitError {
  constructor(message: string, options: ToolkitErrorOptions = {}) {
    super('PREFLIGHT', message, options);
  }
}

export class DownRefusedError extends ToolkitError {
  constructor(message: string, options: ToolkitErrorOptions = {}) {
    super('DOWN_REFUSED', message, options);
  }
}

export class AlreadyRunningError extends ToolkitError {
  constructor(message: string, options: ToolkitErrorOptions = {}) {
    super('ALREADY_RUNNING', message, options);
  }
}

export class RetriesExhaustedError extends ToolkitError {
  constructor(message: string, options: ToolkitErrorOptions = {}) {
    super('RETRIES_EXHAUSTED', message, options);
  }
}

export class PoolerError extends ToolkitError {
  constructor(message: string, options: ToolkitErrorOptions = {}) {
    super('POOLER', message, options);
  }
}

export class InterruptedError extends ToolkitError {
  readonly signal: 'SIGINT' | 'SIGTERM';
  constructor(signal: 'SIGINT' | 'SIGTERM', message: string, options: ToolkitErrorOptions = {}) {
    super('INTERRUPTED', message, options);
    this.signal = signal;
  }
  override get exitCode(): number {
    return this.signal === 'SIGTERM' ? EXIT_CODES.terminated : EXIT_CODES.interrupted;
  }
}

/** The run was cancelled with `aibridge-migrate cancel`: this process stopped, checkpointed. */
export class CancelledError extends ToolkitError {
  constructor(message: string, options: ToolkitErrorOptions = {}) {
    super('CANCELLED', message, options);
  }
}

export function exitCodeFor(code: ErrorCode): number {
  return EXIT_BY_CODE[code];
}

export function isToolkitError(error: unknown): error is ToolkitError {
  return error instanceof ToolkitError;
}

/** `error` as a ToolkitError: itself, or an INTERNAL one (a bug) wrapping it. */
export function toToolkitError(error: unknown): ToolkitError {
  if (isToolkitError(error)) return error;
  return new ToolkitError('INTERNAL', `unexpected error: ${error instanceof Error ? error.message : String(error)}`, {
    hint: 'This is a bug in aibridge-migrate. Run again with --debug and report the output.',
    cause: error,
  });
}

/**
 * The `error` object of every JSON document (the error document, and the documents that carry
 * a failure): code, exit code, message, hint, details. URLs are masked even here, where there
 * should be none.
 */
export function errorJson(error: ToolkitError): Record<string, unknown> {
  return {
    code: error.code,
    exit_code: error.exitCode,
    message: redactUrl(error.message),
    hint: error.hint ? redactUrl(error.hint) : null,
    details: JSON.parse(redactUrl(JSON.stringify(error.details ?? {}))) as unknown,
  };
}
