import { describe, expect, it } from 'vitest';
import { bookkeepingNameProblem } from '../../../src/migrate/bookkeeping.js';

describe('bookkeeping names', () => {
  it.each([
    ['aibridge_migrate_migrations', false],
    ['Mig; DROP TABLE x; --', false],
    ['ünïcode😀', false],
    ['x"; DROP TABLE aibridge_token_usages; --', true],
    ["x'; DROP TABLE aibridge_token_usages; --", true],
  ])('%j refused: %s', (name, refused) => {
    expect(bookkeepingNameProblem('migrations-table', name) !== undefined).toBe(refused);
  });
});
