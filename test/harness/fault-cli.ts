/**
 * The CLI in a child process (test/harness/cli-process.ts), with the faults' test-only preload
 * when a test asks for a pause or slowed commits (see fault-hook.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startCliProcess, type Cli, type CliExit } from './cli-process.js';

export { ROOT, type Cli, type CliExit };

const HOOK = path.join(ROOT, 'test/harness/fault-hook.ts');

export interface CliOptions {
  env?: Record<string, string>;
  /** AIBRIDGE_FAULT_PAUSE for the test-only preload (see fault-hook.ts). */
  pause?: string;
  slowCommitMs?: number;
  /** Hold the run after `afterBatches` batch UPDATEs (default 1) while `file` exists (createHold, fault-hook.ts). */
  hold?: { file: string; afterBatches?: number };
}

export function startCli(args: string[], options: CliOptions = {}): Cli {
  return startCliProcess(args, {
    preload: options.pause || options.slowCommitMs || options.hold ? [HOOK] : [],
    env: {
      ...(options.pause ? { AIBRIDGE_FAULT_PAUSE: options.pause } : {}),
      ...(options.slowCommitMs ? { AIBRIDGE_FAULT_SLOW_COMMIT_MS: String(options.slowCommitMs) } : {}),
      ...(options.hold
        ? { AIBRIDGE_FAULT_HOLD_FILE: options.hold.file, AIBRIDGE_FAULT_HOLD_AFTER: String(options.hold.afterBatches ?? 1) }
        : {}),
      ...options.env,
    },
  });
}

/** A file that holds a CLI started with `hold: { file }` (see fault-hook.ts) until `release()`. */
export function createHold(): { file: string; release(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aibridge-hold-'));
  const file = path.join(dir, 'hold');
  fs.writeFileSync(file, '');
  return { file, release: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliExit> {
  return startCli(args, options).exit;
}

/** `backfill --help` lists the flag: features other issues add (--workers, --reverse). */
export async function backfillHasFlag(flag: string): Promise<boolean> {
  const { stdout } = await runCli(['backfill', '--help']);
  return stdout.includes(flag);
}

/** A seeded PRNG: the same seed replays the same kill points. */
export { seededRandom } from './seeded-random.js';

/** FAULT_SEED from the environment (to replay a failure), else a fresh one. */
export function chooseSeed(): number {
  const given = process.env.FAULT_SEED;
  return given ? Number(given) : Math.floor(Math.random() * 2 ** 31);
}
