/**
 * A session that prepares its statements (src/db/prepared-statements.ts), against a real server:
 * what it prepares, that a prepared statement runs with each call's parameters, and where it
 * stops preparing.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PREPARED, preparingStatements } from '../../src/db/prepared-statements.js';
import type { Session } from '../../src/db/port.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

describe('a session that prepares its statements', () => {
  let db: TestDatabase;
  let session: Session;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    session = preparingStatements(client);
  });
  afterAll(async () => {
    await session.end();
    await db.drop();
  });

  const prepared = async () =>
    (await session.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements ORDER BY prepare_time, name`)).rows.map(
      (r) => r.statement,
    );

  it('prepares a text once and runs it with each call’s parameters; BEGIN, SET and several statements go as they are', async () => {
    const text = 'SELECT $1::int * 2 AS doubled';
    const results = [];
    for (const n of [1, 2, 3]) results.push((await session.query<{ doubled: number }>(text, [n])).rows[0]!.doubled);
    expect(results).toEqual([2, 4, 6]);
    await session.query('BEGIN');
    await session.query(`SET LOCAL lock_timeout = '1s'`);
    await session.query('COMMIT');
    await session.query('SELECT 1; SELECT 2');
    // The look-up itself is a statement this session prepares, once.
    expect(await prepared()).toEqual([text, 'SELECT statement FROM pg_prepared_statements ORDER BY prepare_time, name']);
    expect(await prepared()).toHaveLength(2);
  });

  it('names its statements apart from any another client left on the same server session', async () => {
    // A session-mode pooler that resets nothing between clients (server_reset_query empty)
    // hands the next client a server session with the last one's prepared statements.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const first = preparingStatements(client);
      expect((await first.query<{ n: number }>('SELECT $1::int + 1 AS n', [1])).rows[0]!.n).toBe(2);
      const next = preparingStatements(client);
      expect((await next.query<{ n: number }>('SELECT $1::int + 2 AS n', [1])).rows[0]!.n).toBe(3);
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_prepared_statements`);
      expect(rows[0].n).toBe(2);
    } finally {
      await client.end();
    }
  });

  it(`prepares at most ${MAX_PREPARED} texts; later new ones run unnamed, and still run`, async () => {
    const before = (await prepared()).length;
    for (let i = 0; i < MAX_PREPARED + 5; i++) {
      const { rows } = await session.query<{ n: number }>(`SELECT $1::int + ${i} AS n`, [1]);
      expect(rows[0]!.n).toBe(1 + i);
    }
    expect(await prepared()).toHaveLength(MAX_PREPARED);
    expect(before).toBeLessThan(MAX_PREPARED);
  });
});
