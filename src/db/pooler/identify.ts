/**
 * Names the pooler behind a connection the probe found pooled, for the message: PgBouncer
 * answers SHOW on its admin console, the database "pgbouncer" at the same address, to roles
 * listed in its admin_users or stats_users (or anyone under auth_type = any); other roles get
 * PgBouncer's own "not allowed", which still names it. A PostgreSQL server or another pooler
 * answers neither way, and the pooler goes unnamed. Asked only after the probe found pooling,
 * so a direct connection never sees this login attempt.
 */
import type { Connector } from '../port.js';

export interface PoolerIdentity {
  /** e.g. "PgBouncer 1.18.0", or "PgBouncer" when its console refused us. */
  name: string;
  /** pool_mode for this database (its own, else PgBouncer's default); null when not readable. */
  poolMode: string | null;
}

export const PGBOUNCER_CONSOLE = 'pgbouncer';

/** PgBouncer's refusal of its console, however the connect layer wrapped it. */
function consoleRefused(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (/^not allowed$/i.test(e.message.trim())) return true;
  }
  return false;
}

/** `connectConsole` opens the database "pgbouncer" at the URL's address; `database`: the URL's database. */
export async function identifyPooler(connectConsole: Connector, database: string): Promise<PoolerIdentity | null> {
  let admin;
  try {
    admin = await connectConsole();
  } catch (error) {
    return consoleRefused(error) ? { name: 'PgBouncer', poolMode: null } : null;
  }
  try {
    // The console speaks the simple query protocol only: statements without parameters.
    const version = String((await admin.query('SHOW VERSION')).rows[0]?.version ?? '');
    if (!/pgbouncer/i.test(version)) return null;
    const databases = await admin.query('SHOW DATABASES').catch(() => ({ rows: [] }));
    const config = await admin.query('SHOW CONFIG').catch(() => ({ rows: [] }));
    const own = databases.rows.find((row) => row.name === database)?.pool_mode as string | null | undefined;
    const fallback = config.rows.find((row) => row.key === 'pool_mode')?.value as string | undefined;
    return { name: version, poolMode: own ?? fallback ?? null };
  } catch {
    return null;
  } finally {
    await admin.end().catch(() => {});
  }
}
