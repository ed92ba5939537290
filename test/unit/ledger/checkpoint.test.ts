import { describe, expect, it } from 'vitest';
import { mergeCountsSql } from '../../../src/ledger/checkpoint.js';

describe('checkpoint statements', () => {
  it('merges anomaly counts from a parameter', () => {
    expect(mergeCountsSql('anomalies', '$8')).toContain('jsonb_each_text($8::jsonb)');
  });
});
