import { describe, expect, it } from 'vitest';
import { keySql, pgLocksKeyCondition } from '../../../src/db/advisory-lock.js';
import { MIGRATION_LOCK_ID } from '../../../src/migrate/bookkeeping.js';

describe('advisory lock keys', () => {
  it("a bigint key reaches SQL as exact decimal text (Coder's key is beyond 2^53)", () => {
    const key = keySql(BigInt(MIGRATION_LOCK_ID));
    expect([key.text, key.values]).toEqual(['$1::bigint', ['4160937215072431']]);
    expect(keySql(1_037_453_835_920_848_937n).values).toEqual(['1037453835920848937']);
    const named = keySql('aibridge-migrate backfill x');
    expect([named.text, named.values]).toEqual(['hashtextextended($1::text, 0)', ['aibridge-migrate backfill x']]);
  });

  it('is found in pg_locks split into the classid/objid pair (high and low 32 bits, objsubid 1), the key one parameter', () => {
    const { text, values } = pgLocksKeyCondition(BigInt(MIGRATION_LOCK_ID));
    expect(values).toEqual(['4160937215072431']);
    expect(text).toContain('l.objsubid = 1');
    expect(text).toContain('l.classid = (($1::bigint >> 32) & 4294967295)::oid AND l.objid = ($1::bigint & 4294967295)::oid');
  });
});
