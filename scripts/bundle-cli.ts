/**
 * The installed CLI as one file, dist/cli.mjs, which bin/aibridge-migrate.js runs: the release's
 * aibridge-migrate.mjs (scripts/release/bundle.ts), built with dist/ by `npm run build`.
 *
 * Why one file: Node 20 loads an ES module with a file read, a resolution and a compile of its
 * own, and the CLI is about 140 modules of its own and 95 of zod's. A backfill whose connection
 * is refused took 407 ms from dist/src and 320 ms from this file (median of 12 each, side by
 * side); a re-run of a finished backfill takes about a second, so that is most of what it can
 * lose. The library (`import 'aibridge-migrate'`) stays dist/src.
 */
import path from 'node:path';
import { bundle } from './release/bundle.js';
import { ROOT } from './release/project.js';

await bundle('esm', path.join(ROOT, 'dist', 'cli.mjs'));
