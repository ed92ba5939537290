import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_CODES } from '../errors.js';
import { EMBEDDED } from '../embedded.js';

/** The package version: built into a release bundle, else read from the package.json above this file (src/ or dist/src/). */
export function packageVersion(): string {
  if (EMBEDDED) return EMBEDDED.version;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'aibridge-migrate' && pkg.version) return pkg.version;
    }
    dir = path.dirname(dir);
  }
  return '0.0.0-unknown';
}

/** The libraries that decide the tool's behaviour, whose versions `--version --json` gives. */
export const REPORTED_DEPENDENCIES = ['pg', 'node-pg-migrate', 'zod', 'yargs', 'yargs-parser', 'prom-client'] as const;

/** The version of an installed dependency, or null. */
export function dependencyVersion(name: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    let dir = path.dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? null;
      }
      dir = path.dirname(dir);
    }
  } catch {
    /* not installed */
  }
  return null;
}

/** `--version --json`: the tool, its runtime and the libraries that decide its behaviour. */
export function versionDocument(): Record<string, unknown> {
  return {
    name: 'aibridge-migrate',
    version: packageVersion(),
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    // Bundled: the versions built in, whatever is installed beside the bundle; installed: the
    // separate modules (dist/src, the source tree) resolve each library from node_modules.
    libraries: EMBEDDED ? 'bundled' : 'installed',
    dependencies: EMBEDDED?.dependencies ?? Object.fromEntries(REPORTED_DEPENDENCIES.map((n) => [n, dependencyVersion(n)])),
    postgresql: { supported: '13-18', end_of_life: [13] },
    exit_codes: EXIT_CODES,
  };
}
