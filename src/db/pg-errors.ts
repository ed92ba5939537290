/**
 * PostgreSQL and network failures, classified in one place: which are worth retrying, and
 * which ToolkitError (hence which exit code and which advice) a user sees for the rest.
 */
import {
  ConnectionError,
  LockTimeoutError,
  PermissionError,
  PreflightError,
  ToolkitError,
} from '../errors.js';
import { redactUrl } from './url.js';

/** SQLSTATEs this toolkit reasons about by name. */
export const SQLSTATE = {
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  lockNotAvailable: '55P03',
  queryCanceled: '57014',
  adminShutdown: '57P01',
  crashShutdown: '57P02',
  cannotConnectNow: '57P03',
  insufficientPrivilege: '42501',
  invalidPassword: '28P01',
  invalidAuthorization: '28000',
  invalidCatalogName: '3D000',
  undefinedTable: '42P01',
  undefinedColumn: '42703',
  undefinedObject: '42704',
  readOnlyTransaction: '25006',
  duplicateColumn: '42701',
  tooManyConnections: '53300',
} as const;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

export interface PgErrorLike {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
  routine?: string;
}

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The connection is gone or unusable (network, server restart, our backend terminated). */
export function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const state = sqlState(error);
  if (state && (state.startsWith('08') || state === SQLSTATE.adminShutdown || state === SQLSTATE.crashShutdown || state === SQLSTATE.cannotConnectNow)) {
    return true;
  }
  const message = error instanceof Error ? error.message : '';
  // node-postgres reports a socket closed under it with these messages and no code.
  return /Connection terminated|Client has encountered a connection error|connection is closed|Client was closed/i.test(message);
}

/** Failures that a later attempt of the same work can succeed at. */
export function isTransient(error: unknown): boolean {
  if (isConnectionLoss(error)) return true;
  const state = sqlState(error);
  return (
    state === SQLSTATE.serializationFailure ||
    state === SQLSTATE.deadlockDetected ||
    state === SQLSTATE.lockNotAvailable ||
    state === SQLSTATE.queryCanceled ||
    state === SQLSTATE.tooManyConnections
  );
}

export interface TranslateContext {
  /** The URL that was used, for naming host and database (the password is never shown). */
  databaseUrl?: string;
  /** What was being done, e.g. "connecting", "applying migration 0001". */
  action?: string;
}

function target(context: TranslateContext): string {
  if (!context.databaseUrl) return 'the database server';
  try {
    const url = new URL(context.databaseUrl);
    const db = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
    return `${url.hostname || 'localhost'}:${url.port || '5432'}/${db}`;
  } catch {
    return 'the database server';
  }
}

function describePg(error: PgErrorLike): string {
  const parts = [error.message];
  if (error.code) parts[0] = `${error.message} (SQLSTATE ${error.code})`;
  if (error.detail) parts.push(`detail: ${error.detail}`);
  return parts.join('; ');
}

/**
 * Turns whatever pg or the network threw into a ToolkitError a user can act on. Errors
 * already classified pass through unchanged; anything unknown keeps its SQLSTATE, detail
 * and hint and becomes INTERNAL.
 */
export function translatePgError(error: unknown, context: TranslateContext = {}): ToolkitError {
  if (error instanceof ToolkitError) return error;
  const err = (error ?? {}) as PgErrorLike & { code?: string };
  const where = target(context);
  const doing = context.action ? ` while ${context.action}` : '';
  const message = redactUrl(String(err.message ?? error));
  const state = sqlState(error);

  if (err.code && NETWORK_CODES.has(err.code)) {
    return new ConnectionError(`cannot reach ${where}${doing}: ${message}`, {
      hint: 'Check the host and port in the database URL, that the server is running, and that this machine may connect to it.',
      cause: error,
      details: { code: err.code },
    });
  }
  switch (state) {
    case SQLSTATE.invalidPassword:
    case SQLSTATE.invalidAuthorization:
      return new ConnectionError(`authentication to ${where} failed${doing}: ${message}`, {
        hint: 'Check the user name and password in the database URL (or PGPASSWORD / ~/.pgpass) and pg_hba.conf.',
        cause: error,
        details: { sqlstate: state },
      });
    case SQLSTATE.invalidCatalogName:
      return new ConnectionError(`the database in ${where} does not exist: ${message}`, {
        hint: 'Check the database name at the end of the database URL.',
        cause: error,
        details: { sqlstate: state },
      });
    case SQLSTATE.insufficientPrivilege:
      return new PermissionError(`permission denied${doing}: ${message}`, {
        hint: err.hint ?? 'Run as the role that owns the aibridge tables, or GRANT the privilege named above to this role.',
        cause: error,
        details: { sqlstate: state },
      });
    case SQLSTATE.lockNotAvailable:
      return new LockTimeoutError(`a lock was not granted in time${doing}: ${message}`, {
        hint: 'Another session holds a conflicting lock. Retry later, or raise --lock-timeout.',
        cause: error,
        details: { sqlstate: state },
      });
    case SQLSTATE.readOnlyTransaction:
      return new PreflightError(`${where} only accepts reads${doing}: ${message}`, {
        hint: 'Point the database URL at the primary server, not a standby or read replica.',
        cause: error,
        details: { sqlstate: state },
      });
    case SQLSTATE.queryCanceled:
      // Our own timeouts (a batch's, a lock wait's) are handled where they are set; one that
      // reaches here is the server's, role's or database's statement_timeout, which no retry beats.
      if (!/statement timeout/i.test(message)) break;
      return new PreflightError(`a statement ran longer than statement_timeout allows${doing}: ${message}`, {
        hint: "The statement_timeout set for this role, database or server (or in PGOPTIONS) is too short for this command. Raise it for the role that runs aibridge-migrate, e.g. ALTER ROLE <role> SET statement_timeout = '5min', or run with PGOPTIONS='-c statement_timeout=0'.",
        cause: error,
        details: { sqlstate: state },
      });
    case SQLSTATE.undefinedTable:
    case SQLSTATE.undefinedColumn:
      return new PreflightError(`a table or column this command needs is missing${doing}: ${message}`, {
        hint: 'Check --schema, and run `aibridge-migrate up` before backfill or verify.',
        cause: error,
        details: { sqlstate: state },
      });
  }
  if (isConnectionLoss(error)) {
    return new ConnectionError(`lost the connection to ${where}${doing}: ${message}`, {
      hint: 'The server restarted, failed over, or ended this session. Run the same command again; work already committed is kept.',
      cause: error,
      details: state ? { sqlstate: state } : {},
    });
  }
  if (state) {
    return new ToolkitError('INTERNAL', `PostgreSQL error${doing}: ${describePg({ ...err, message })}`, {
      hint: err.hint,
      cause: error,
      details: { sqlstate: state },
    });
  }
  return new ToolkitError('INTERNAL', `unexpected error${doing}: ${message}`, { cause: error });
}
