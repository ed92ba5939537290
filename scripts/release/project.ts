/** Where the release is built from and into. */
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** `npm run release` writes the artifacts here (git-ignored). */
export const RELEASE_DIR = path.join(ROOT, 'release');

export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
