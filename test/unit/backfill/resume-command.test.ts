import { describe, expect, it } from 'vitest';
import { resumeCommandLine } from '../../../src/backfill/resume-command.js';

describe('resume command', () => {
  it.each<[Record<string, unknown>, string]>([
    [{}, 'aibridge-migrate backfill'],
    [{ batchSize: '500', json: true, restart: true, dryRun: false, wait: true }, 'aibridge-migrate backfill --batch-size 500 --json'],
    [{ databaseUrl: 'postgres://app:s3cret@db:5432/coder' }, "aibridge-migrate backfill --database-url 'postgres://app:***@db:5432/coder'"],
    [{ schema: "it's" }, `aibridge-migrate backfill --schema 'it'\\''s'`],
  ])('%j → %s', (flags, command) => {
    expect(resumeCommandLine(flags)).toBe(command);
  });
});
