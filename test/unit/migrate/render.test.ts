import { describe, expect, it } from 'vitest';
import { statementText } from '../../../src/migrate/render.js';

describe('dry-run statements', () => {
  it.each([
    [{ sql: 'ALTER TABLE "public"."t" ADD COLUMN "c" bigint', values: [] }, 'ALTER TABLE "public"."t" ADD COLUMN "c" bigint;'],
    [{ sql: 'CREATE SCHEMA x;', values: [] }, 'CREATE SCHEMA x;'],
    [
      { sql: 'INSERT INTO "public"."m" (name, run_on) VALUES ($1, NOW())', values: ['001_a'] },
      'INSERT INTO "public"."m" (name, run_on) VALUES ($1, NOW()); -- $1 = "001_a"',
    ],
  ])('%#', (statement, expected) => {
    expect(statementText(statement)).toBe(expected);
  });
});
