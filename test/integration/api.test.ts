import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../examples/deploy.js';
import { generateDataset } from '../../fixtures/generator.js';
import { EXIT_CODES, migrationStatus, verify } from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

describe('the programmatic API (examples/deploy.ts)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await generateDataset(db.pool, { rows: 3000, seed: 11 });
  });
  afterAll(() => db.drop());

  it('takes a pre-change database to verified parity, and a second deploy is a no-op that still passes', async () => {
    const before = await verify({ databaseUrl: db.url });
    expect(before.status).toBe('before_up');

    const lines: string[] = [];
    expect(await deploy(db.url, (line) => lines.push(line))).toBe(EXIT_CODES.ok);
    expect(lines.join('\n')).toMatch(/parity holds/);

    const status = await migrationStatus({ databaseUrl: db.url });
    expect(status.pending).toEqual([]);
    const { rows } = await db.query(
      `SELECT count(*) FILTER (WHERE cache_read_input_tokens <> 0)::int AS filled FROM aibridge_token_usages`,
    );
    expect(rows[0].filled).toBeGreaterThan(1000);

    const again: string[] = [];
    expect(await deploy(db.url, (line) => again.push(line))).toBe(EXIT_CODES.ok);
    expect(again.join('\n')).toMatch(/schema already up to date[\s\S]*updated 0 rows[\s\S]*parity holds/);
  });
});
