import { describe, expect, it } from 'vitest';
import { tables as tableNames } from '../../src/names.js';

describe('table names', () => {
  const names = tableNames('app', 'state"x');

  it('quotes every identifier', () => {
    expect(names).toEqual({
      usages: '"app"."aibridge_token_usages"',
      interceptions: '"app"."aibridge_interceptions"',
      runs: '"state""x"."backfill_runs"',
      ranges: '"state""x"."backfill_ranges"',
      movedRows: '"state""x"."backfill_moved_rows"',
      controlLog: '"state""x"."backfill_control_log"',
    });
  });
});
