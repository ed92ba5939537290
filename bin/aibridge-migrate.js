#!/usr/bin/env node
// The installed package runs the compiled CLI in dist/ (built by `npm pack`/`npm publish`
// through the prepack script). A git clone that has not run `npm run build` runs the
// TypeScript source through tsx, a devDependency there, so neither needs a build step, and
// the package carries no install script (npm 11 warns about every one it has not approved).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
