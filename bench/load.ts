/**
 * A contender under application traffic: the writer runs alone for an idle window (the
 * baseline), then the contender runs while the writer keeps its rate, then the writer stops.
 * No WAL or size figures here: the writer's own writes would be counted in them.
 */
import type { ContenderId } from './options.js';
import type { Contender, ContenderContext } from './contenders/step.js';
import { checkpoint, APP_SCHEMA, TABLE } from './dataset.js';
import { startWriter } from './writer/control.js';
import { epochMs } from './writer/writer.js';
import { summarizeWindows, type WindowSummary } from './writer/windows.js';

export interface LoadedRun {
  id: ContenderId;
  label: string;
  status: 'ok' | 'failed';
  error: string | null;
  /** The contender's wall time with the writer running. */
  wallMs: number;
  idle: WindowSummary;
  during: WindowSummary;
  writerErrors: number;
  writerFirstError: string | null;
  abandonedStatements: number;
}

export async function runUnderLoad(options: {
  id: ContenderId;
  label: string;
  contender: Contender;
  context: ContenderContext;
  adminUrl: string;
  rows: number;
  seed: number;
  writerRate: number;
  idleSeconds: number;
  /** Bound on the writer's life: the idle window plus the longest the contender may take. */
  maxDurationMs: number;
}): Promise<{ run: LoadedRun; idleLatenciesMs: number[] }> {
  await checkpoint(options.adminUrl);
  const writer = await startWriter({
    url: options.context.url,
    schema: APP_SCHEMA,
    table: TABLE,
    rate: options.writerRate,
    rows: options.rows,
    seed: options.seed,
    poolSize: 4,
    maxDurationMs: options.maxDurationMs,
    drainTimeoutMs: 60_000,
  });
  // The first half second is left out of the baseline: connections and plans warming up.
  const idleFrom = writer.readyAt + 500;
  await new Promise((resolve) => setTimeout(resolve, options.idleSeconds * 1000 + 500));
  const contenderStart = epochMs();
  let steps;
  try {
    steps = await options.contender(options.context);
  } catch (error) {
    await writer.stop().catch(() => {});
    throw error;
  }
  const contenderEnd = epochMs();
  const run = await writer.stop();
  const [idle, during] = summarizeWindows(run.samples, [
    { name: 'idle', from: idleFrom, to: contenderStart },
    { name: options.id, from: contenderStart, to: contenderEnd },
  ]);
  const failed = steps.find((s) => !s.ok);
  const idleLatenciesMs = run.samples.filter((s) => s.dueAt >= idleFrom && s.dueAt < contenderStart).map((s) => s.latencyMs);
  const loaded: LoadedRun = {
    id: options.id,
    label: options.label,
    status: failed ? 'failed' : 'ok',
    error: failed?.error ?? null,
    wallMs: contenderEnd - contenderStart,
    idle: idle!,
    during: during!,
    writerErrors: run.samples.filter((s) => !s.ok).length,
    writerFirstError: run.firstError,
    abandonedStatements: run.abandoned,
  };
  return { run: loaded, idleLatenciesMs };
}
