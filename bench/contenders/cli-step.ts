/** One aibridge-migrate invocation as a benchmark step, through a real child process. */
import { PROJECT_ROOT } from '../cli.js';
import { runProcess } from '../process-runner.js';
import type { ContenderContext, StepRun } from './step.js';

/** Exit codes that mean the command did its job (verify's 1 = "parity failed" is a result, not a crash). */
export async function runCliStep(
  name: string,
  context: ContenderContext,
  args: string[],
  options: { acceptExitCodes?: number[] } = {},
): Promise<StepRun> {
  const accepted = options.acceptExitCodes ?? [0];
  const result = await runProcess({
    command: context.cli.command,
    args: [...context.cli.prefix, ...args, '--database-url', context.url],
    cwd: PROJECT_ROOT,
    timeoutMs: context.processTimeoutMs,
  });
  const ok = result.exitCode !== null && accepted.includes(result.exitCode);
  const step: StepRun = {
    name,
    ok,
    wallMs: result.wallMs,
    exitCode: result.exitCode,
    peakRssBytes: result.peakRssBytes,
    rssMethod: result.rssMethod,
    cpuMs: result.cpuMs,
    jsonLines: result.jsonLines,
  };
  if (!ok) {
    const detail = result.stderrTail.trim().split('\n').slice(-6).join('\n');
    step.error = `\`aibridge-migrate ${args.join(' ')}\` exited with ${result.exitCode ?? result.signal}: ${detail}`;
  }
  return step;
}
