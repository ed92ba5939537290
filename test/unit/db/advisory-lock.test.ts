import { describe, expect, it } from 'vitest';
import { keySql, pgLocksKeyCondition } from '../../../src/db/advisory-lock.js';
import { MIGRATION_LOCK_ID } from '../../../src/migrate/bookkeeping.js';

describe('advisory lock keys', () => {
  it("a bigint key reaches SQL as exact decimal text (Coder's key is beyond 2^53)", () => {
    expect(keySql(BigInt(MIGRATION_LOCK_ID), 1)).toEqual({ sql: '$1::bigint', value: '4160937215072431' });
    expect(keySql(1_037_453_835_920_848_937n, 2).value).toBe('1037453835920848937');
    expect(keySql('aibridge-migrate backfill x', 1)).toEqual({
      sql: 'hashtextextended($1::text, 0)',
      value: 'aibridge-migrate backfill x',
    });
  });

  it('is found in pg_locks split into the classid/objid pair (high and low 32 bits, objsubid 1)', () => {
    const { sql, value } = pgLocksKeyCondition(BigInt(MIGRATION_LOCK_ID), 1);
    expect(value).toBe('4160937215072431');
    expect(sql).toContain('l.objsubid = 1');
    expect(sql).toContain('l.classid = (($1::bigint >> 32) & 4294967295)::oid AND l.objid = ($1::bigint & 4294967295)::oid');
  });
});
