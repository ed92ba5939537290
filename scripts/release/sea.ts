/**
 * The single executable (Node's single-executable applications): the CommonJS bundle as a
 * blob (`node --experimental-sea-config`), injected with postject into a copy of a Node LTS
 * binary from the registry (node-lts.ts). The result runs with no Node installed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundle } from './bundle.js';
import { registryNode, SEA_NODE } from './node-lts.js';
import { ROOT } from './project.js';

/** Node's fixed sentinel: the binary holds it, postject flips it to say a blob is inside. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function run(cmd: string, args: string[], cwd: string): void {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status}): ${result.stderr}${result.stdout}`);
}

export async function buildSea(outfile: string, work: string): Promise<void> {
  const node = registryNode(SEA_NODE);
  const main = path.join(work, 'sea-main.cjs');
  await bundle('cjs', main);
  const blob = path.join(work, 'sea-prep.blob');
  const config = path.join(work, 'sea-config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      main,
      output: blob,
      // The warning is for people trying the feature; this binary is the product.
      disableExperimentalSEAWarning: true,
      // Node reads only the main script from the blob; what the CLI needs is bundled into it.
      useCodeCache: false,
      useSnapshot: false,
    }),
  );
  run(node, ['--experimental-sea-config', config], work);
  fs.copyFileSync(node, outfile);
  fs.chmodSync(outfile, 0o755);
  const postject = path.join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');
  run(process.execPath, [postject, outfile, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], work);
}
