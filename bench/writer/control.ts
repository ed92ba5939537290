/** The runner's side of the writer-under-load child process (see writer/process.ts). */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { PROJECT_ROOT } from '../cli.js';
import type { WriterConfig, WriterRun, WriterSample } from './writer.js';

export interface WriterHandle {
  /** Epoch ms when the writer's connections were open and it began its schedule. */
  readyAt: number;
  stop(): Promise<WriterRun>;
}

type Message =
  | { type: 'ready' }
  | { type: 'result'; startedAt: number; abandoned: number; firstError: string | null; samples: [number, number, 0 | 1, 0 | 1][] };

export async function startWriter(config: WriterConfig): Promise<WriterHandle> {
  const entry = path.join(PROJECT_ROOT, 'bench', 'writer', 'process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', entry, JSON.stringify(config)], {
    cwd: PROJECT_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let onReady: (() => void) | undefined;
  let onResult: ((message: Extract<Message, { type: 'result' }>) => void) | undefined;
  const lines = readline.createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    let message: Message;
    try {
      message = JSON.parse(line) as Message;
    } catch {
      return;
    }
    if (message.type === 'ready') onReady?.();
    else if (message.type === 'result') onResult?.(message);
  });
  const result = new Promise<Extract<Message, { type: 'result' }>>((resolve) => {
    onResult = resolve;
  });

  const ready = await Promise.race([
    new Promise<'ready'>((resolve) => {
      onReady = () => resolve('ready');
    }),
    exited.then(() => 'exited' as const),
  ]);
  if (ready !== 'ready') throw new Error(`the writer process exited before it was ready:\n${stderr}`);
  const readyAt = performance.timeOrigin + performance.now();

  return {
    readyAt,
    async stop() {
      child.stdin!.write('stop\n');
      child.stdin!.end();
      const outcome = await Promise.race([result, exited.then(() => undefined)]);
      if (!outcome) throw new Error(`the writer process exited without a result:\n${stderr}`);
      await exited;
      const samples: WriterSample[] = outcome.samples.map(([dueAt, latencyMs, kind, ok]) => ({
        dueAt,
        latencyMs,
        kind: kind === 0 ? 'insert' : 'update',
        ok: ok === 1,
      }));
      return { startedAt: outcome.startedAt, samples, abandoned: outcome.abandoned, firstError: outcome.firstError };
    },
  };
}
