/**
 * One JavaScript file holding the whole CLI and every dependency, built with esbuild:
 * `esm` for aibridge-migrate.mjs (runs with `node` alone), `cjs` for the single executable
 * (Node's single-executable applications run a CommonJS main script).
 *
 * src/embedded.ts is swapped for a module generated here: the package version and a static
 * import of every file in migrations/, so the bundle needs no package.json and no migrations
 * folder beside it (src/migrate/loader.ts reads them from there when present).
 */
import fs from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { dependencyVersion, REPORTED_DEPENDENCIES } from '../../src/cli/version.js';
import { packageVersion, ROOT } from './project.js';

/** The migration files, as src/migrate/loader.ts finds them in the source tree. */
export function migrationFiles(): string[] {
  const dir = path.join(ROOT, 'migrations');
  return fs
    .readdirSync(dir)
    .filter((file) => /^\d+_[\w-]+\.ts$/.test(file) && !file.endsWith('.d.ts'))
    .sort();
}

function embeddedModule(): string {
  const files = migrationFiles();
  return [
    ...files.map((file, n) => `import m${n} from ${JSON.stringify(path.join(ROOT, 'migrations', file))};`),
    `export const EMBEDDED = {`,
    `  version: ${JSON.stringify(packageVersion())},`,
    `  dependencies: ${JSON.stringify(Object.fromEntries(REPORTED_DEPENDENCIES.map((name) => [name, dependencyVersion(name)])))},`,
    `  migrations: [${files.map((file, n) => `{ name: ${JSON.stringify(file.replace(/\.ts$/, ''))}, migration: m${n} }`).join(', ')}],`,
    `};`,
  ].join('\n');
}

const embedded: Plugin = {
  name: 'aibridge-migrate-embedded',
  setup(b) {
    const target = path.join(ROOT, 'src', 'embedded.ts');
    b.onLoad({ filter: /[\\/]src[\\/]embedded\.ts$/ }, (args) =>
      args.path === target ? { contents: embeddedModule(), loader: 'ts', resolveDir: path.dirname(target) } : undefined,
    );
  },
};

export async function bundle(format: 'esm' | 'cjs', outfile: string): Promise<void> {
  const result = await build({
    entryPoints: [path.join(ROOT, 'src', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format,
    // The oldest Node the package supports (package.json engines).
    target: 'node20.19',
    plugins: [embedded],
    // pg's optional native binding; pg never loads it unless asked to (pg.native).
    external: ['pg-native'],
    legalComments: 'eof',
    logLevel: 'warning',
    ...(format === 'esm'
      ? {
          // CommonJS dependencies (pg, yargs' helpers) call require() for Node's own modules.
          banner: {
            js: "import { createRequire as __aibridgeCreateRequire } from 'node:module';\nconst require = __aibridgeCreateRequire(import.meta.url);",
          },
        }
      : {
          // import.meta does not exist in CommonJS; the code that reads it (package.json, the
          // migrations folder) is not reached in a bundle, which embeds both.
          define: { 'import.meta.url': '__aibridgeImportMetaUrl' },
          banner: { js: "const __aibridgeImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
        }),
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed: ${result.errors.map((e) => e.text).join('; ')}`);
}
