/**
 * PostgreSQL and network failures, classified in one place: which are worth retrying, and
 * which ToolkitError (hence which exit code and which advice) a user sees for the rest.
 */
import { ConnectionError, LockTimeoutError, PermissionError, PreflightError, ToolkitError, type ToolkitErrorOptions } from '../errors.js';
import { isTransactionBlockRefusal, statementPoolingError } from './pooler/advice.js';
import type { ConnectionTarget } from './target.js';
import { redactUrl } from '../text/redact.js';

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
  uniqueViolation: '23505',
  idleInTransactionTimeout: '25P03',
  transactionTimeout: '25P04',
} as const;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

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
  if (
    state &&
    (state.startsWith('08') || state === SQLSTATE.adminShutdown || state === SQLSTATE.crashShutdown || state === SQLSTATE.cannotConnectNow)
  ) {
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
  /** What was connected to (connection target, see target.ts): named by its label, never the password. */
  connection?: Pick<ConnectionTarget, 'label'> & Partial<Pick<ConnectionTarget, 'tls'>>;
  /** What was being done, e.g. "connecting", "applying migration 0001". */
  action?: string;
}

/** pg's answer when the server replies "N" to the SSLRequest (it runs with ssl = off). */
export function isTlsRefused(error: unknown): boolean {
  return error instanceof Error && /does not support SSL connections/i.test(error.message);
}

/** node's codes for a certificate the chain check refuses. */
const UNTRUSTED_CERT = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
]);

/** A failed TLS handshake as the ConnectionError a user can act on, or null when it is not one. */
function tlsFailure(error: unknown, where: string, context: TranslateContext): ConnectionError | null {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const tls = context.connection?.tls;
  const mode = tls ? `sslmode=${tls.mode}` : 'TLS';
  const roots = tls?.rootCert === 'system' ? "the system's trusted CAs" : tls?.rootCert ? tls.rootCert.path : 'the root certificate';
  if (isTlsRefused(error)) {
    return new ConnectionError(`${where} does not accept TLS connections (${mode} requires TLS; the server runs with ssl = off)`, {
      hint: 'Enable ssl on the server, or connect with sslmode=prefer (TLS when offered) or sslmode=disable if plain connections are acceptable on this network.',
      cause: error,
      details: { reason: 'tls_refused' },
    });
  }
  if (typeof code !== 'string') return null;
  if (UNTRUSTED_CERT.has(code)) {
    return new ConnectionError(`TLS handshake with ${where} failed: the server's certificate is not signed by a CA in ${roots} (${code})`, {
      hint: "Give the CA certificate that signed the server's certificate (--ssl-root-cert, sslrootcert= in the URL or PGSSLROOTCERT); for a managed database, its provider's CA bundle (see docs/connecting.md, Managed databases).",
      cause: error,
      details: { reason: 'untrusted_certificate', tls_code: code },
    });
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new ConnectionError(`TLS handshake with ${where} failed: the server's certificate is not for this host name (${message})`, {
      hint: 'Connect with a host name the certificate names (sslmode=verify-full checks it), or use sslmode=verify-ca to check only that a trusted CA signed it.',
      cause: error,
      details: { reason: 'host_name_mismatch', tls_code: code },
    });
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return new ConnectionError(
      `TLS handshake with ${where} failed: the server's certificate ${code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet'}`,
      {
        hint: "Renew the server's certificate (or check this machine's clock).",
        cause: error,
        details: { reason: 'certificate_validity', tls_code: code },
      },
    );
  }
  if (/^ERR_(SSL|TLS|OSSL)_/.test(code) || /^(ERR_)?SSL/.test(code)) {
    return new ConnectionError(`TLS handshake with ${where} failed: ${message}`, {
      hint: "Check the sslmode, the certificate files (--ssl-root-cert, --ssl-cert, --ssl-key) and the server's ssl settings.",
      cause: error,
      details: { reason: 'tls_handshake', tls_code: code },
    });
  }
  return null;
}

function describePg(error: PgErrorLike): string {
  const parts = [error.message];
  if (error.code) parts[0] = `${error.message} (SQLSTATE ${error.code})`;
  if (error.detail) parts.push(`detail: ${error.detail}`);
  return parts.join('; ');
}

/** A failure as the user sees it: what was reached, what was being done, the redacted message. */
interface Failure {
  error: unknown;
  state: string | undefined;
  where: string;
  /** ` while …`, or empty. */
  doing: string;
  message: string;
  /** The server's own hint, if any. */
  serverHint: string | undefined;
}

type ErrorClass = new (message: string, options: ToolkitErrorOptions) => ToolkitError;

/** The ToolkitError for a SQLSTATE this toolkit knows by name, or null. */
function stateError(f: Failure): ToolkitError | null {
  const { state, where, doing, message } = f;
  const as = (Kind: ErrorClass, text: string, hint: string, details: Record<string, unknown> = {}) =>
    new Kind(text, { hint, cause: f.error, details: { sqlstate: state, ...details } });
  switch (state) {
    case SQLSTATE.invalidPassword:
    case SQLSTATE.invalidAuthorization:
      return as(
        ConnectionError,
        `authentication to ${where} failed${doing}: ${message}`,
        'Check the user name and password in the database URL (or PGPASSWORD / ~/.pgpass) and pg_hba.conf.',
      );
    case SQLSTATE.invalidCatalogName:
      return as(
        ConnectionError,
        `the database in ${where} does not exist: ${message}`,
        'Check the database name at the end of the database URL (or PGDATABASE).',
      );
    case SQLSTATE.insufficientPrivilege:
      return as(
        PermissionError,
        `permission denied${doing}: ${message}`,
        f.serverHint ?? 'Run as the role that owns the aibridge tables, or GRANT the privilege named above to this role.',
      );
    case SQLSTATE.lockNotAvailable:
      return as(
        LockTimeoutError,
        `a lock was not granted in time${doing}: ${message}`,
        'Another session holds a conflicting lock. Retry later, or raise --lock-timeout.',
      );
    case SQLSTATE.readOnlyTransaction:
      return as(
        PreflightError,
        `${where} only accepts reads${doing}: ${message}`,
        'Point the database URL at the primary server, not a standby or read replica.',
      );
    case SQLSTATE.queryCanceled:
      // Our own timeouts (a batch's, a lock wait's) are handled where they are set; one that
      // reaches here is the server's, role's or database's statement_timeout, which no retry beats.
      // This tool sends no cancel request, so "due to user request" is another session's
      // pg_cancel_backend, or a statement_timeout that fired as a statement ended: PostgreSQL
      // then cancels the next statement and, its timeout indicator reset, names a user request
      // (seen with a 1 ms timeout on the role). Neither is ours to blame or an internal error.
      if (!/statement timeout/i.test(message)) {
        return as(
          PreflightError,
          `a statement was cancelled${doing}: ${message}`,
          "Either another session cancelled it (pg_cancel_backend), or the statement_timeout set for this role, database or server fired as a statement ended (PostgreSQL then reports a user request); if one is set, raise it for the role that runs aibridge-migrate, e.g. ALTER ROLE <role> SET statement_timeout = '5min'.",
        );
      }
      return as(
        PreflightError,
        `a statement ran longer than statement_timeout allows${doing}: ${message}`,
        "The statement_timeout set for this role, database or server (or in PGOPTIONS) is too short for this command. Raise it for the role that runs aibridge-migrate, e.g. ALTER ROLE <role> SET statement_timeout = '5min', or run with PGOPTIONS='-c statement_timeout=0'.",
      );
    case SQLSTATE.idleInTransactionTimeout:
    case SQLSTATE.transactionTimeout: {
      // The server ended the session: a limit on how long a transaction may sit idle, or last.
      // A command that reads in one snapshot judges both before it starts (scan/limits.ts);
      // this is the server disagreeing with that judgement (a busier moment, a changed setting).
      const setting = state === SQLSTATE.idleInTransactionTimeout ? 'idle_in_transaction_session_timeout' : 'transaction_timeout';
      return as(
        PreflightError,
        `the server ended the session${doing}: ${setting} ran out (${message})`,
        `Raise ${setting} for the role that runs aibridge-migrate (ALTER ROLE <role> SET ${setting} = …), or turn it off for it.`,
        { setting },
      );
    }
    case SQLSTATE.undefinedTable:
    case SQLSTATE.undefinedColumn:
      return as(
        PreflightError,
        `a table or column this command needs is missing${doing}: ${message}`,
        'Check --schema, and run `aibridge-migrate up` before backfill or verify.',
      );
    default:
      return null;
  }
}

/** What is left once no SQLSTATE rule applies: a pooler's refusal, a lost connection, or INTERNAL. */
function otherError(f: Failure, err: PgErrorLike): ToolkitError {
  const { error, state, where, doing, message } = f;
  if (isTransactionBlockRefusal(message)) return statementPoolingError(where, doing, message, error);
  if (isConnectionLoss(error)) {
    return new ConnectionError(`lost the connection to ${where}${doing}: ${message}`, {
      hint: 'The server restarted, failed over, or ended this session. Run the same command again; work already committed is kept.',
      cause: error,
      details: state ? { sqlstate: state } : {},
    });
  }
  if (state) {
    return new ToolkitError('INTERNAL', `PostgreSQL error${doing}: ${describePg({ ...err, message })}`, {
      hint: f.serverHint,
      cause: error,
      details: { sqlstate: state },
    });
  }
  return new ToolkitError('INTERNAL', `unexpected error${doing}: ${message}`, { cause: error });
}

/**
 * Turns whatever pg or the network threw into a ToolkitError a user can act on. Errors
 * already classified pass through unchanged; anything unknown keeps its SQLSTATE, detail
 * and hint and becomes INTERNAL.
 */
export function translatePgError(error: unknown, context: TranslateContext = {}): ToolkitError {
  if (error instanceof ToolkitError) return error;
  const err = (error ?? {}) as PgErrorLike & { code?: string };
  const where = context.connection?.label ?? 'the database server';
  const doing = context.action ? ` while ${context.action}` : '';
  const message = redactUrl(String(err.message ?? error));
  const tls = tlsFailure(error, where, context);
  if (tls) return tls;
  if (err.code && NETWORK_CODES.has(err.code)) {
    return new ConnectionError(`cannot reach ${where}${doing}: ${message}`, {
      hint: 'Check the host and port in the database URL, that the server is running, and that this machine may connect to it (what the URL leaves out comes from PGHOST and PGPORT).',
      cause: error,
      details: { code: err.code },
    });
  }
  const failure: Failure = { error, state: sqlState(error), where, doing, message, serverHint: err.hint };
  return stateError(failure) ?? otherError(failure, err);
}
