#!/usr/bin/env node
// The installed package runs the CLI bundled into one file (dist/cli.mjs, built with dist/ by
// `npm pack`/`npm publish` through the prepack script: scripts/bundle-cli.ts says why). A git
// clone that has not run `npm run build` runs the TypeScript source through tsx, a
// devDependency there, so neither needs a build step, and the package carries no install
// script (npm 11 warns about every one it has not approved).
import { existsSync } from 'node:fs';

const bundled = new URL('../dist/cli.mjs', import.meta.url);
if (existsSync(bundled)) {
  await import(bundled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
