// `npm run lint` runs tsc over the whole tree, then this: typescript-eslint's recommended rules
// (no type-aware rules: tsc already checks types, and the lint stays a few seconds).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * src/ from the bottom up: a layer is one or more folders or files, and each imports only from
 * the layers before it. Every file of src/ belongs to one (checked below when the config loads).
 */
const ROOT = path.dirname(fileURLToPath(import.meta.url));
const LAYERS = [
  ['src/runtime.ts'],
  ['src/text'],
  ['src/errors.ts'],
  ['src/retry-policy.ts'],
  ['src/db'],
  ['src/rule'],
  ['src/names.ts'],
  ['src/config'],
  ['src/metrics'],
  ['src/ledger'],
  ['src/report'],
  ['src/scan'],
  // The backfill engine: pure decisions, statements, what it reports, the engine, what is built on it.
  ['src/backfill/policy'],
  ['src/backfill/sql'],
  [
    'src/backfill/options.ts',
    'src/backfill/step.ts',
    'src/backfill/summary.ts',
    'src/backfill/events.ts',
    'src/backfill/result.ts',
    'src/backfill/resume-command.ts',
  ],
  ['src/backfill/run', 'src/backfill/control'],
  ['src/backfill/dry-run.ts', 'src/backfill/status.ts'],
  ['src/backfill/output'],
  ['src/backfill/index.ts'],
  ['src/coder'],
  ['src/embedded.ts'],
  ['src/migrate'],
  ['src/verify'],
  ['src/apply'],
  ['src/index.ts'],
  ['src/cli'],
];

/** One zone per layer: its files may not import from any layer above it. */
function layerZones(layers) {
  return layers.slice(0, -1).map((layer, i) => ({
    target: layer,
    from: layers.slice(i + 1).flat(),
    message: `${layer.join(', ')} imports only from the layers below it in the folder order (CONTRIBUTING.md, Layout): move what it needs down, or pass it in.`,
  }));
}

/** A file in no layer would escape the rule: name it when the config loads. */
function assertLayered(layers) {
  const covers = (entry, file) => file === entry || file.startsWith(`${entry}/`);
  const files = fs.readdirSync(path.join(ROOT, 'src'), { recursive: true }).map((f) => path.posix.join('src', f.split(path.sep).join('/')));
  const loose = files.filter((f) => f.endsWith('.ts') && !layers.flat().some((entry) => covers(entry, f)));
  if (loose.length > 0) throw new Error(`eslint.config.js: add ${loose.join(', ')} to a layer of LAYERS (the folder order)`);
}
assertLayered(LAYERS);

/** Every way of reading the process's clock. */
const CLOCK_READINGS = [
  "MemberExpression[object.name='Date'][property.name='now']",
  "NewExpression[callee.name='Date'][arguments.length=0]",
  "CallExpression[callee.name='Date']",
  "MemberExpression[object.name='performance'][property.name='now']",
  "MemberExpression[object.name='process'][property.name=/^(hrtime|uptime)$/]",
].map((selector) => ({ selector, message: 'Read the time from the Runtime passed in (runtime.clock), not from the process.' }));

/** `import('…').T` escapes the folder order's rule, which checks import statements. */
const IMPORT_TYPE = {
  selector: 'TSImportType',
  message: 'Import the type with `import type` (the folder order checks import statements).',
};

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
    // The folder order (CONTRIBUTING.md, Layout): each layer imports only from the layers below
    // it, type-only imports included. The CLI is the outermost: nothing in src/ imports it.
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: ROOT, zones: layerZones(LAYERS) }] },
  },
  // ESLint replaces a rule's options from one config object to the next rather than merging
  // them, so each file set below lists every no-restricted-syntax selector it needs
  // (test/repo/clock-readings.test.ts fails if the clock's are lost).
  {
    // Time comes only from the Runtime passed in (src/runtime.ts builds the real one): a clock
    // read anywhere else cannot be driven by a test's fake clock. Below the CLI (the top layer,
    // which may import anything), types come in through import statements.
    files: ['src/**/*.ts'],
    ignores: ['src/runtime.ts', 'src/cli/**'],
    rules: { 'no-restricted-syntax': ['error', IMPORT_TYPE, ...CLOCK_READINGS] },
  },
  { files: ['src/runtime.ts'], rules: { 'no-restricted-syntax': ['error', IMPORT_TYPE] } },
  { files: ['src/cli/**/*.ts'], rules: { 'no-restricted-syntax': ['error', ...CLOCK_READINGS] } },
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
