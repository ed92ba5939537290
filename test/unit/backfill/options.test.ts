import { describe, expect, it } from 'vitest';
import { backfillSchema } from '../../../src/backfill/options.js';

describe('options', () => {
  it.each([
    [{ batchSize: '-5' }, /batchSize/],
    [{ batchSize: 'many' }, /whole number/],
    [{ targetBatchMs: '0' }, /between 1 and 60000/],
    [{ lockTimeout: 'forever' }, /duration/],
    [{ batchSizeMin: '10', batchSizeMax: '5' }, /must not exceed --batch-size-max/],
    [{ bogus: 1 }, /bogus/],
  ])('%j is rejected', (raw, message) => {
    const result = backfillSchema.safeParse(raw);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(message);
  });

  it('defaults: adaptive 100 ms batches (aimed so a stretched batch stays under 250 ms) of 100..50000 rows, 5 s lock and 30 s statement timeouts', () => {
    expect(backfillSchema.parse({})).toMatchObject({
      batchSizeMin: 100,
      batchSizeMax: 50_000,
      targetBatchMs: 100,
      lockTimeout: 5_000,
      statementTimeout: 30_000,
      maxRetries: 8,
      convergePasses: 3,
    });
  });
});
