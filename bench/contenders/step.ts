/** What running one contender produced, before any database-side measurement. */
import type { JsonLine } from '../process-runner.js';
import type { CliInvocation } from '../cli.js';

export interface StepRun {
  /** e.g. `upstream transaction`, `up`, `backfill`. */
  name: string;
  ok: boolean;
  wallMs: number;
  /** Set when !ok: what went wrong, for the report. */
  error?: string;
  /** CLI steps only. */
  exitCode?: number | null;
  peakRssBytes?: number | null;
  rssMethod?: string;
  cpuMs?: number | null;
  jsonLines?: JsonLine[];
}

export interface ContenderContext {
  /** Superuser URL of the contender's own clone. */
  url: string;
  serverVersionNum: number;
  cli: CliInvocation;
  /** Per CLI process: every run ends by itself. */
  processTimeoutMs: number;
  /** Extra flags for the toolkit's backfill in this regime (regimes.ts). */
  backfillArgs: string[];
  /**
   * Counts a backend of the contender's own connection in its server CPU now, before it ends: one
   * that lives shorter than the transaction sampler's interval could otherwise go unseen.
   */
  observeBackend?: (pid: number) => void;
}

/** A contender: one or more steps, run in order, stopping at the first that fails. */
export type Contender = (context: ContenderContext) => Promise<StepRun[]>;

export async function runSteps(steps: readonly (() => Promise<StepRun>)[]): Promise<StepRun[]> {
  const done: StepRun[] = [];
  for (const step of steps) {
    const run = await step();
    done.push(run);
    if (!run.ok) break;
  }
  return done;
}
