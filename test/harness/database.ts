/**
 * A fresh database per test file, cloned from the template that already holds the baseline
 * schema, so files run in parallel without seeing each other's rows.
 *
 *   let db: TestDatabase;
 *   beforeAll(async () => { db = await createTestDatabase(); });
 *   afterAll(() => db.drop());
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { quoteIdent } from '../../src/db/identifier.js';
import { withDatabase } from './template.js';

export interface TestDatabase {
  name: string;
  /** Superuser URL of this database. */
  url: string;
  /** URL of the server's admin database (for CREATE ROLE, pg_terminate_backend, …). */
  adminUrl: string;
  /** A small pool on this database for arranging and asserting. */
  pool: pg.Pool;
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
}

export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const template = inject('pgTemplate');
  const name = `aibridge_migrate_t_${inject('pgRunId')}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(
      options.empty ? `CREATE DATABASE ${quoteIdent(name)}` : `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`,
    );
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // pool.end() does not wait for idle clients to close, so DROP DATABASE … WITH (FORCE)
  // may terminate them (FATAL 57P01); without a listener that error would crash the run.
  pool.on('error', () => {});
  return {
    name,
    url,
    adminUrl,
    pool,
    query: (text, values) => pool.query(text, values as any[]),
    async drop() {
      await pool.end();
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
