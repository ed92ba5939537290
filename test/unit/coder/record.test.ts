import { describe, expect, it } from 'vitest';
import { parseRecord, recordStatement, recordText } from '../../../src/coder/record.js';

describe('the hand-over record', () => {
  it('records the hand-over in the column comment, and reads only its own record back', () => {
    expect(recordStatement('public', 'aibridge_token_usages', 461)).toBe(
      `COMMENT ON COLUMN "public"."aibridge_token_usages"."cache_read_input_tokens" IS 'aibridge-migrate handed over Coder migration 461: it added these columns and recorded 461 as applied in Coder''s schema_migrations (from 460); aibridge-migrate down hands the version back'`,
    );
    expect(parseRecord(recordText(1461))).toBe(1461);
    expect(parseRecord(null)).toBeNull();
    expect(parseRecord('cache read tokens, from the provider')).toBeNull();
  });
});
