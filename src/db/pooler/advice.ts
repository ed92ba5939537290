/**
 * What the operator reads when a connection does not keep one server session: the refusal
 * (exit 10) with the fix for each pooler, and the warning when --pooler-ok goes on anyway.
 * Pure: the facts come in, the text goes out.
 */
import { PoolerError } from '../../errors.js';
import type { PoolerIdentity } from './identify.js';
import type { SessionVerdict } from './verdict.js';

type Pooled = Extract<SessionVerdict, { kind: 'pooled' }>;

export interface AdviceContext {
  /** The refusing command: up, down, backfill, apply. */
  command: string;
  /** host:port/database, never the password. */
  label: string;
  /** The URL's port (null: a Unix socket), for a hint when it is a pooler's usual one. */
  port: number | null;
}

/** The fix for each pooler, in the order an operator is most likely to meet them. */
export const SESSION_URL_FIXES = [
  "PgBouncer: the PostgreSQL server's own address and port (usually 5432) instead of PgBouncer's (usually 6432), or a PgBouncer database entry with pool_mode = session",
  'Supavisor (Supabase): session mode, port 5432 of the pooler host, instead of transaction mode on port 6543 (or the direct database host)',
  "Amazon RDS Proxy: the DB instance or cluster endpoint instead of the proxy's (the proxy shares a server connection between clients until session state pins it)",
] as const;

const USUAL_PORTS: Record<number, string> = {
  6432: "this URL's port 6432 is PgBouncer's usual one",
  6543: "this URL's port 6543 is Supavisor's transaction mode",
};

function poolerName(verdict: Pooled, pooler: PoolerIdentity | null): string {
  if (!pooler) return '';
  return ` (${pooler.name}${pooler.poolMode ? `, pool_mode = ${pooler.poolMode}` : ''})`;
}

/** The exit-10 refusal: what was seen, why it matters, that nothing changed, and the fix. */
export function poolerRefusal(verdict: Pooled, pooler: PoolerIdentity | null, context: AdviceContext): PoolerError {
  const why =
    verdict.mode === 'statement'
      ? 'Statement pooling refuses the multi-statement transactions every migration and backfill batch needs, so --pooler-ok cannot help here.'
      : `A session-level lock taken through it (the migration lock of up and down, the backfill's run lock and range locks) can stay with a pooled server connection after this process exits, refusing every later run until the pooler recycles that connection, and two runs handed the same server session would both believe they hold it.`;
  const usual = context.port !== null ? USUAL_PORTS[context.port] : undefined;
  const goOn =
    verdict.mode === 'statement'
      ? ''
      : ' To go on through it anyway: --pooler-ok (AIBRIDGE_MIGRATE_POOLER_OK=1, or pooler-ok in the config file); its risks are in --help and docs/poolers.md.';
  return new PoolerError(
    `${context.command} refused: ${context.label} is reached through a ${verdict.mode}-mode pooler${poolerName(verdict, pooler)}: ${verdict.evidence}. ${why} Nothing was changed.`,
    {
      hint: `Use a URL that keeps one server session${usual ? ` (${usual})` : ''}: ${SESSION_URL_FIXES.join('; ')}.${goOn}`,
      details: {
        pooler_mode: verdict.mode,
        pooler: pooler?.name ?? null,
        pool_mode: pooler?.poolMode ?? null,
        evidence: verdict.evidence,
        backend_pids: verdict.backendPids,
      },
    },
  );
}

/** The warning when --pooler-ok goes on through a transaction-mode pooler. */
export function poolerOkWarning(verdict: Pooled, pooler: PoolerIdentity | null, context: AdviceContext): string {
  return `${context.command} goes on through a ${verdict.mode}-mode pooler${poolerName(verdict, pooler)} because of --pooler-ok: ${verdict.evidence}. Session locks may not keep a second run out and may stay behind on a pooled server connection: each one is released explicitly, and one that stays is named with its backend pid. No session setting is made (it would stay with the pooled server connection).`;
}

/** What statement pooling answers to a transaction block (PgBouncer's words). */
export function isTransactionBlockRefusal(message: string): boolean {
  return /transaction blocks not allowed|statement pooling/i.test(message);
}

/**
 * Any command that met statement pooling mid-way (status and verify read in transactions too):
 * exit 10 with the fix, not "lost the connection", which would send the operator looking for a
 * server restart.
 */
export function statementPoolingError(where: string, doing: string, message: string, cause: unknown): PoolerError {
  return new PoolerError(
    `${where} is reached through a statement-mode pooler${doing}: it refused a transaction block ("${message}"), and every command of aibridge-migrate reads or writes in transactions.`,
    {
      hint: `Use a URL that keeps one server session: ${SESSION_URL_FIXES.join('; ')}. status, verify and the dry runs also work through a transaction-mode pooler.`,
      cause,
      details: { pooler_mode: 'statement' },
    },
  );
}
