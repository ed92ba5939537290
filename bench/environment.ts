/** Facts about where a run happened, recorded so results can be compared honestly. */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { PROJECT_ROOT } from './cli.js';

export function gitFacts(): { commit: string | null; dirty: boolean | null } {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (head.status !== 0) return { commit: null, dirty: null };
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return { commit: head.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim().length > 0 : null };
}

export function machineFacts(): { cpus: number; totalMemoryBytes: number; node: string; loadAverage: number[] } {
  return { cpus: os.cpus().length, totalMemoryBytes: os.totalmem(), node: process.versions.node, loadAverage: os.loadavg() };
}
