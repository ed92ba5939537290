import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAlive, sweepStaleServers } from '../harness/embedded-server.js';

const HOLD = fileURLToPath(new URL('../harness/hold-server.ts', import.meta.url));

describe('embedded PostgreSQL after a SIGKILLed run', () => {
  it('the next start stops the orphaned server and removes its directory', async () => {
    const child = spawn('npx', ['tsx', HOLD], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.on('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
    });
    const { dataDir, serverPid } = JSON.parse(line) as { dataDir: string; serverPid: number };
    // npx → tsx → node: kill the whole tree as SIGKILL would hit a real run.
    const exited = new Promise((resolve) => child.on('exit', resolve));
    spawn('pkill', ['-KILL', '-f', HOLD]);
    await exited;
    await new Promise((r) => setTimeout(r, 200));

    expect(isAlive(serverPid)).toBe(true); // the orphan is really there
    sweepStaleServers();
    expect(isAlive(serverPid)).toBe(false);
    expect(fs.existsSync(dataDir)).toBe(false);
  });
});
