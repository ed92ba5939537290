/**
 * Tests sit where a newcomer looks for them: test/unit/<folder>/<file>.test.ts tests
 * src/<folder>/<file>.ts (bench/, fixtures/ and scripts/ keep their own root), integration and
 * fault tests are named by feature, and every helper lives in test/harness/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Folders of code outside src/ whose unit tests mirror them from the repository root. */
const OTHER_CODE_ROOTS = ['bench', 'fixtures', 'scripts'];

/** Folders that hold only test files: their helpers belong in test/harness/. */
const TEST_ONLY = ['test/unit', 'test/integration', 'test/faults', 'test/repo'];

/** Every file under `dir` (relative to the repository root), as paths relative to `dir`. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(path.join(ROOT, dir), path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** The module a unit test file's path names, relative to the repository root. */
function mirroredModule(unitTest: string): string {
  const module = unitTest.replace(/\.test\.ts$/, '.ts');
  return OTHER_CODE_ROOTS.includes(module.split('/')[0]!) ? module : `src/${module}`;
}

/** One line per file of test/unit (`files`, relative to it) that does not mirror an existing module. */
function mirrorProblems(files: readonly string[], isFile: (file: string) => boolean): string[] {
  return files
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) => {
      if (!file.endsWith('.test.ts')) return [`test/unit/${file}: not a test file (helpers go in test/harness/)`];
      const module = mirroredModule(file);
      return isFile(module)
        ? []
        : [`test/unit/${file}: no module ${module} (test/unit/<folder>/<file>.test.ts tests src/<folder>/<file>.ts)`];
    });
}

const isFile = (file: string) => fs.statSync(path.join(ROOT, file), { throwIfNoEntry: false })?.isFile() ?? false;

describe('where tests live', () => {
  const unitFiles = filesUnder('test/unit');

  it('finds the unit tests, nested folders included', () => {
    expect(unitFiles.filter((f) => f.endsWith('.test.ts')).length).toBeGreaterThan(50);
    expect(unitFiles).toContain('backfill/policy/controller.test.ts');
    expect(unitFiles).toContain('names.test.ts');
  });

  it('every unit test file tests the module at its path: test/unit/<folder>/<file>.test.ts → src/<folder>/<file>.ts', () => {
    expect(mirrorProblems(unitFiles, isFile)).toEqual([]);
  });

  it('a file that mirrors no module is named, with the module it was looked up as', () => {
    expect(
      mirrorProblems(
        [
          'backfill-plan.test.ts',
          'rule/sql.test.ts',
          'rule/sql.test.ts.orig',
          'rule/definitions.test.ts',
          'backfill/policy.test.ts',
          'bench/stats.test.ts',
          'bench/nowhere.test.ts',
          'docs/markdown.ts',
          'scan/__snapshots__/census.sql',
        ],
        isFile,
      ),
    ).toEqual([
      'test/unit/backfill-plan.test.ts: no module src/backfill-plan.ts (test/unit/<folder>/<file>.test.ts tests src/<folder>/<file>.ts)',
      'test/unit/rule/definitions.test.ts: no module src/rule/definitions.ts (test/unit/<folder>/<file>.test.ts tests src/<folder>/<file>.ts)',
      // A folder is not a module.
      'test/unit/backfill/policy.test.ts: no module src/backfill/policy.ts (test/unit/<folder>/<file>.test.ts tests src/<folder>/<file>.ts)',
      'test/unit/bench/nowhere.test.ts: no module bench/nowhere.ts (test/unit/<folder>/<file>.test.ts tests src/<folder>/<file>.ts)',
      'test/unit/docs/markdown.ts: not a test file (helpers go in test/harness/)',
    ]);
  });

  it.each(TEST_ONLY.slice(1))('%s holds only test files: its helpers live in test/harness/', (dir) => {
    const files = filesUnder(dir);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))).toEqual([]);
  });

  it('test/harness/ holds helpers, not tests', () => {
    const files = filesUnder('test/harness');
    expect(files).toContain('database.ts');
    expect(files.filter((f) => f.endsWith('.test.ts'))).toEqual([]);
  });
});
