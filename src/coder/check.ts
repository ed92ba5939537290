/** Coder's decisions as the migrate commands report them: a preflight check, or an error. */
import { DownRefusedError, PermissionError, PreflightError, type ToolkitError } from '../errors.js';
import type { Refusal, UpDecision } from './decide.js';

/** Coder's line in `up`'s preflight, which names it `coder_version`: fine with a detail, or a problem with its fix. */
export type CoderCheck = { ok: true; detail: string } | { ok: false; kind: 'preflight' | 'permission'; problem: string; fix: string };

/** The preflight line for `up` when Coder is detected (standalone adds none: today's list stays as it was). */
export function coderUpCheck(decision: UpDecision, version: number | null): CoderCheck | undefined {
  switch (decision.action) {
    case 'standalone':
      return undefined;
    case 'hand_over':
      return {
        ok: true,
        detail: `Coder at migration ${decision.from}: the columns are added and Coder's migration ${decision.to} is recorded as applied, in one transaction under Coder's migration lock`,
      };
    case 'coder_owns':
      return {
        ok: true,
        detail: `Coder at migration ${version}: the columns are Coder's; their definition is checked, Coder's table is not touched`,
      };
    case 'wait':
      return {
        ok: true,
        detail: `a Coder server is applying its migrations right now (${decision.holders.join('; ') || "it holds Coder's migration lock"}): up waits for Coder's migration lock like for a table lock, then decides from the version Coder committed`,
      };
    case 'refuse':
      return {
        ok: false,
        kind: decision.refusal.kind === 'permission' ? 'permission' : 'preflight',
        problem: decision.refusal.problem,
        fix: decision.refusal.fix,
      };
  }
}

/** A refusal met inside the migration's transaction (Coder moved meanwhile), or by `down`. */
export function refusalError(refusal: Refusal): ToolkitError {
  const details = { coder_refusal: refusal.reason };
  switch (refusal.kind) {
    case 'down_refused':
      return new DownRefusedError(refusal.problem, { hint: refusal.fix, details });
    case 'permission':
      return new PermissionError(`preflight failed: ${refusal.problem}`, { hint: refusal.fix, details });
    case 'preflight':
      return new PreflightError(`preflight failed: ${refusal.problem}`, { hint: refusal.fix, details });
  }
}
