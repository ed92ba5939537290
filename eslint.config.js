// `npm run lint` runs tsc over the whole tree, then this: typescript-eslint's recommended rules
// (no type-aware rules: tsc already checks types, and the lint stays a few seconds).
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Every way of reading the process's clock. */
const CLOCK_READINGS = [
  "MemberExpression[object.name='Date'][property.name='now']",
  "NewExpression[callee.name='Date'][arguments.length=0]",
  "CallExpression[callee.name='Date']",
  "MemberExpression[object.name='performance'][property.name='now']",
  "MemberExpression[object.name='process'][property.name=/^(hrtime|uptime)$/]",
].map((selector) => ({ selector, message: 'Read the time from the Runtime passed in (runtime.clock), not from the process.' }));

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
    // Time comes only from the Runtime passed in (src/runtime.ts builds the real one): a clock
    // read anywhere else cannot be driven by a test's fake clock. ESLint replaces a rule's
    // options from one config object to the next rather than merging them, so another
    // no-restricted-syntax for files of src/ must list CLOCK_READINGS too
    // (test/unit/source/clock-readings.test.ts fails if they are lost).
    files: ['src/**/*.ts'],
    ignores: ['src/runtime.ts'],
    rules: { 'no-restricted-syntax': ['error', ...CLOCK_READINGS] },
  },
  {
    // Tests, benchmarks and fixtures read untyped rows and JSON event streams everywhere;
    // the product code takes them through one type at the boundary (src/db/row.ts).
    files: ['test/**', 'bench/**', 'fixtures/**', 'scripts/**', 'examples/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
