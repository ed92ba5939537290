import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../../../src/errors.js';
import { poolerOkWarning, poolerRefusal } from '../../../../src/db/pooler/advice.js';
import type { SessionVerdict } from '../../../../src/db/pooler/verdict.js';

type Pooled = Extract<SessionVerdict, { kind: 'pooled' }>;
const transaction: Pooled = {
  kind: 'pooled',
  mode: 'transaction',
  evidence: 'consecutive transactions … (backend pids 1, 2)',
  backendPids: [1, 2],
};
const statement: Pooled = { kind: 'pooled', mode: 'statement', evidence: 'the connection refused a transaction block', backendPids: [] };
const context = { command: 'backfill', label: 'db.internal:6432/coder', port: 6432 };

describe('the refusal behind a pooler', () => {
  it('exits 10 naming the command, the address, the mode, what was seen, and that nothing changed', () => {
    const error = poolerRefusal(transaction, { name: 'PgBouncer 1.18.0', poolMode: 'transaction' }, context);
    expect(error.code).toBe('POOLER');
    expect(error.exitCode).toBe(EXIT_CODES.pooler);
    expect(EXIT_CODES.pooler).toBe(10);
    expect(error.message).toBe(
      "backfill refused: db.internal:6432/coder is reached through a transaction-mode pooler (PgBouncer 1.18.0, pool_mode = transaction): consecutive transactions … (backend pids 1, 2). A session-level lock taken through it (the migration lock of up and down, the backfill's run lock and range locks) can stay with a pooled server connection after this process exits, refusing every later run until the pooler recycles that connection, and two runs handed the same server session would both believe they hold it. Nothing was changed.",
    );
    expect(error.details).toEqual({
      pooler_mode: 'transaction',
      pooler: 'PgBouncer 1.18.0',
      pool_mode: 'transaction',
      evidence: transaction.evidence,
      backend_pids: [1, 2],
    });
  });

  it('gives the fix for PgBouncer, Supavisor and RDS Proxy, the port it recognises, and --pooler-ok', () => {
    const { hint } = poolerRefusal(transaction, null, context);
    expect(hint).toMatch(/^Use a URL that keeps one server session \(this URL's port 6432 is PgBouncer's usual one\): /);
    expect(hint).toMatch(/PgBouncer: the PostgreSQL server's own address and port \(usually 5432\) .* pool_mode = session/);
    expect(hint).toMatch(/Supavisor \(Supabase\): session mode, port 5432 .* transaction mode on port 6543/);
    expect(hint).toMatch(/Amazon RDS Proxy: the DB instance or cluster endpoint/);
    expect(hint).toMatch(/--pooler-ok \(AIBRIDGE_MIGRATE_POOLER_OK=1, or pooler-ok in the config file\)/);
    expect(poolerRefusal(transaction, null, { ...context, port: 6543 }).hint).toMatch(/port 6543 is Supavisor's transaction mode/);
    expect(poolerRefusal(transaction, null, { ...context, port: null }).hint).toMatch(/^Use a URL that keeps one server session: /);
  });

  it('an unnamed pooler is not named', () => {
    expect(poolerRefusal(transaction, null, context).message).toMatch(/through a transaction-mode pooler: consecutive/);
    expect(poolerRefusal(transaction, { name: 'PgBouncer', poolMode: null }, context).message).toMatch(/pooler \(PgBouncer\): /);
  });

  it('statement pooling: --pooler-ok is not offered, since nothing could run there', () => {
    const error = poolerRefusal(statement, null, context);
    expect(error.message).toMatch(/statement-mode pooler: .* so --pooler-ok cannot help here\. Nothing was changed\.$/);
    expect(error.hint).not.toMatch(/--pooler-ok/);
  });

  it('the --pooler-ok warning names the risks', () => {
    expect(poolerOkWarning(transaction, null, { ...context, command: 'up' })).toMatch(
      /^up goes on through a transaction-mode pooler because of --pooler-ok: .*Session locks may not keep a second run out and may stay behind/,
    );
  });
});
