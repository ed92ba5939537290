import { describe, expect, it } from 'vitest';
import { setVersionStatements } from '../../../src/coder/sql.js';

describe("Coder's SQL", () => {
  it('replaces the one version row the way Coder does', () => {
    expect(setVersionStatements('coder "x"', 461).map(({ text, values }) => ({ text, values }))).toEqual([
      { text: 'TRUNCATE "coder ""x"""."schema_migrations"', values: [] },
      { text: 'INSERT INTO "coder ""x"""."schema_migrations" (version, dirty) VALUES ($1, false)', values: [461] },
    ]);
  });
});
