/**
 * The toolkit's own contenders, all through the real CLI with default options:
 * (b) `up` then `backfill`; (d) `backfill` again on the backfilled clone; (e) `verify`;
 * (f) `backfill --dry-run` on a clone that has had `up`.
 */
import { runCliStep } from './cli-step.js';
import { runSteps, type Contender, type ContenderContext, type StepRun } from './step.js';

export const upStep = (context: ContenderContext): Promise<StepRun> => runCliStep('up', context, ['up']);
export const backfillStep = (context: ContenderContext): Promise<StepRun> =>
  runCliStep('backfill', context, ['backfill', '--json', ...context.backfillArgs]);

export const toolkitContender: Contender = (context) => runSteps([() => upStep(context), () => backfillStep(context)]);

export const rerunContender: Contender = (context) => runSteps([() => runCliStep('backfill (re-run)', context, ['backfill', '--json'])]);

/** Exit 1 is verify's "parity does not hold": a finding to report, not a failed run. */
export const verifyContender: Contender = (context) =>
  runSteps([() => runCliStep('verify', context, ['verify', '--json'], { acceptExitCodes: [0, 1] })]);

export const dryRunContender: Contender = (context) =>
  runSteps([() => runCliStep('backfill --dry-run', context, ['backfill', '--dry-run', '--json'])]);
