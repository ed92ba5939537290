import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planMatrix, SUBSETS } from '../../../scripts/test-matrix.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const exists = (file: string) => fs.existsSync(path.join(ROOT, file));

describe('planMatrix', () => {
  it('by default: every supported major, the whole integration project', () => {
    expect(planMatrix([], exists)).toEqual({ plan: { versions: [13, 14, 15, 16, 17, 18], files: [], subset: null } });
  });

  it('--versions and --subset: those majors, the subset as files', () => {
    const planned = planMatrix(['--versions', '13,14,16,17', '--subset', 'version-sensitive'], exists);
    expect(planned).toEqual({
      plan: {
        versions: [13, 14, 16, 17],
        files: SUBSETS['version-sensitive']!.map((s) => `test/integration/${s.file}`),
        subset: 'version-sensitive',
      },
    });
  });

  it('every subset names existing integration files, each once and with its reason', () => {
    for (const [name, entries] of Object.entries(SUBSETS)) {
      expect(planMatrix(['--subset', name], exists)).toHaveProperty('plan');
      expect(new Set(entries.map((e) => e.file)).size, name).toBe(entries.length);
      for (const entry of entries) expect(entry.why.length, entry.file).toBeGreaterThan(20);
    }
  });

  it('the subset holds the file that checks the PostgreSQL 13 warning (the matrix runs it on 13)', () => {
    expect(SUBSETS['version-sensitive']!.map((s) => s.file)).toContain('status-server-version.test.ts');
  });

  it.each([
    [['--versions', '12,18'], /--versions takes majors from 13,14,15,16,17,18, got "12,18"/],
    [['--subset', 'fast'], /--subset must be one of version-sensitive, got "fast"/],
    [['--verions', '13'], /Unknown option '--verions'/],
  ])('%j is refused', (argv, message) => {
    const planned = planMatrix(argv, exists);
    expect('problems' in planned && planned.problems.join('\n')).toMatch(message);
  });

  it('a subset naming a file that is gone is refused, not silently shorter', () => {
    const planned = planMatrix(['--subset', 'version-sensitive'], (file) => !file.endsWith('migrate-down.test.ts'));
    expect(planned).toEqual({
      problems: ['subset version-sensitive names files that do not exist: test/integration/migrate-down.test.ts'],
    });
  });
});
