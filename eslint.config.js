// `npm run lint` runs tsc over the whole tree, then this: typescript-eslint's recommended rules
// (no type-aware rules: tsc already checks types, and the lint stays a few seconds).
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    // An import cycle makes the order of module evaluation decide whether a binding exists yet,
    // and tangles layers that should stack: src/ has none (the rule skips type-only imports,
    // which TypeScript erases).
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // The CLI is the outermost layer: it may import anything in src/, nothing in src/ imports it
    // (a domain module that needs output or an exit code takes it as a parameter instead).
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/cli/*', '**/cli/**'], message: 'Only src/cli imports src/cli.' }] }],
    },
  },
  {
    // A function longer than a screen hides its steps: past 80 lines, split it into named steps.
    files: ['src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    // Tests, benchmarks and fixtures read untyped rows and JSON event streams everywhere;
    // the product code takes them through one type at the boundary (src/db/row.ts).
    files: ['test/**', 'bench/**', 'fixtures/**', 'scripts/**', 'examples/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
