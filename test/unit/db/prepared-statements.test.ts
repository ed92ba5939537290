import { describe, expect, it } from 'vitest';
import { preparable } from '../../../src/db/prepared-statements.js';

describe('preparable: which statements a session of its own sends as named prepared statements', () => {
  it.each([
    ['SELECT 1', true],
    ['  select $1::int', true],
    ['WITH j AS MATERIALIZED (SELECT 1) SELECT * FROM j', true],
    ['UPDATE "s"."t" SET a = $1 WHERE id = $2', true],
    ['INSERT INTO t VALUES ($1)', true],
    ['DELETE FROM t WHERE run_id = $1', true],
    // Nothing to plan: sent as they are.
    ['BEGIN', false],
    ['BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY', false],
    ['COMMIT', false],
    ['ROLLBACK TO SAVEPOINT chunk', false],
    ['SAVEPOINT chunk', false],
    ['SET LOCAL lock_timeout = 1000', false],
    ['SHOW server_version_num', false],
    ['ALTER TABLE t ADD COLUMN c bigint', false],
    // Several statements in one text: the extended protocol refuses them.
    ['SELECT 1; SELECT 2', false],
    ['SELECT 1;', false],
    // A word that only starts like one.
    ['SELECTED', false],
  ])('%j: %s', (text, expected) => {
    expect(preparable(text)).toBe(expected);
  });
});
