import { describe, expect, it } from 'vitest';

describe('dedent for printed SQL', () => {
  it('removes the common indentation of template-literal SQL and its blank edges', async () => {
    const { dedent } = await import('../../../src/migrate/dry-run.js');
    expect(dedent('\n      CREATE TABLE t (\n        id int\n      )  \n')).toBe('CREATE TABLE t (\n  id int\n)');
    expect(dedent('ALTER TABLE t ADD c int')).toBe('ALTER TABLE t ADD c int');
  });
});
