import { describe, expect, it } from 'vitest';
import { ConnectionError, PreflightError, ToolkitError } from '../../../src/errors.js';
import { translatePgError } from '../../../src/db/pg-errors.js';

const pgError = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, ...extra });
const context = { connection: { label: 'db.internal:5432/coder' }, action: 'reading' };

describe('translatePgError: one ToolkitError per failure, with its advice', () => {
  it.each([
    [
      '28P01',
      'password authentication failed',
      'CONNECTION',
      /^authentication to db\.internal:5432\/coder failed while reading: /,
      /pg_hba\.conf/,
    ],
    ['3D000', 'database "x" does not exist', 'CONNECTION', /^the database in db\.internal:5432\/coder does not exist: /, /PGDATABASE/],
    ['42501', 'permission denied for table t', 'PERMISSION', /^permission denied while reading: /, /GRANT the privilege/],
    ['55P03', 'canceling statement due to lock timeout', 'LOCK_TIMEOUT', /^a lock was not granted in time while reading/, /--lock-timeout/],
    ['25006', 'cannot execute UPDATE in a read-only transaction', 'PREFLIGHT', /only accepts reads while reading/, /primary server/],
    ['57014', 'canceling statement due to statement timeout', 'PREFLIGHT', /longer than statement_timeout allows/, /ALTER ROLE/],
    [
      '25P03',
      'terminating connection due to idle-in-transaction timeout',
      'PREFLIGHT',
      /idle_in_transaction_session_timeout ran out/,
      /Raise idle_in/,
    ],
    [
      '25P04',
      'terminating connection due to transaction timeout',
      'PREFLIGHT',
      /: transaction_timeout ran out/,
      /Raise transaction_timeout/,
    ],
    ['42P01', 'relation "x" does not exist', 'PREFLIGHT', /a table or column this command needs is missing/, /aibridge-migrate up/],
    ['42703', 'column "x" does not exist', 'PREFLIGHT', /a table or column this command needs is missing/, /--schema/],
    [
      '57P01',
      'terminating connection due to administrator command',
      'CONNECTION',
      /^lost the connection to db\.internal/,
      /Run the same command again/,
    ],
  ])('SQLSTATE %s (%s) → %s', (code, message, expected, text, hint) => {
    const error = translatePgError(pgError(code, message), context);
    expect(error.code).toBe(expected);
    expect(error.message).toMatch(text);
    expect(error.hint).toMatch(hint);
    expect(error.details).toMatchObject({ sqlstate: code });
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('names the setting that ended the session', () => {
    expect(translatePgError(pgError('25P03', 'x')).details).toEqual({ sqlstate: '25P03', setting: 'idle_in_transaction_session_timeout' });
    expect(translatePgError(pgError('25P04', 'x')).details).toEqual({ sqlstate: '25P04', setting: 'transaction_timeout' });
  });

  it("keeps the server's own hint for a privilege it refuses", () => {
    expect(translatePgError(pgError('42501', 'must be owner', { hint: 'ask the owner' })).hint).toBe('ask the owner');
  });

  it('a query cancelled by a user request is not blamed on statement_timeout alone, nor called internal', () => {
    const error = translatePgError(pgError('57014', 'canceling statement due to user request'), context);
    expect(error.code).toBe('PREFLIGHT');
    expect(error.message).toBe('a statement was cancelled while reading: canceling statement due to user request');
    expect(error.hint).toMatch(/another session cancelled it \(pg_cancel_backend\), or the statement_timeout/);
  });

  it('an unknown SQLSTATE keeps its detail and hint and becomes INTERNAL', () => {
    const error = translatePgError(pgError('22P02', 'invalid input syntax', { detail: 'Token "x" is invalid.', hint: 'fix it' }));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toBe('PostgreSQL error: invalid input syntax (SQLSTATE 22P02); detail: Token "x" is invalid.');
    expect(error.hint).toBe('fix it');
    expect(error.details).toEqual({ sqlstate: '22P02' });
  });

  it('a network failure names the host and where its parts come from', () => {
    const error = translatePgError(pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), context);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toBe('cannot reach db.internal:5432/coder while reading: connect ECONNREFUSED 127.0.0.1:5432');
    expect(error.details).toEqual({ code: 'ECONNREFUSED' });
  });

  it('a socket closed under pg, with no code, is a lost connection without a SQLSTATE', () => {
    const error = translatePgError(new Error('Connection terminated unexpectedly'));
    expect(error.code).toBe('CONNECTION');
    expect(error.message).toBe('lost the connection to the database server: Connection terminated unexpectedly');
    expect(error.details).toEqual({});
  });

  it('a password in a URL inside the message is redacted', () => {
    const error = translatePgError(new Error('bad postgres://app:s3cret@db:5432/coder'));
    expect(error.message).not.toContain('s3cret');
    expect(error.message).toMatch(/^unexpected error: bad postgres:\/\/app:\*+@db:5432\/coder$/);
  });

  it('a TLS refusal comes before every other rule', () => {
    const error = translatePgError(new Error('The server does not support SSL connections'), context);
    expect(error.details).toEqual({ reason: 'tls_refused' });
  });

  it('an error already classified passes through as it is', () => {
    const given = new PreflightError('already said');
    expect(translatePgError(given)).toBe(given);
    expect(translatePgError(new TypeError('x is undefined'))).toBeInstanceOf(ToolkitError);
  });
});
