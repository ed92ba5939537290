/**
 * yargs renders a command's whole help text as soon as it has started the command's handler, in
 * case the handler fails (its command.js, cacheHelpMessage) — the text wrapped character by
 * character to the terminal's width, on the main thread, while the handler's first connection
 * waits for it. Skipping it took a backfill whose connection is refused from 0.52 to 0.41 s of
 * CPU (8 runs each). That text is never shown: yargs' own failures come to main.ts's `.fail` with
 * their message, and a handler's failure exits through cli/run.ts. `--help` renders it anew.
 *
 * The hook is one of yargs' internals (yargs 18): test/unit/cli/help-cache.test.ts fails if a
 * later yargs moves it, rather than the cost coming back unseen.
 */

/** Replaces yargs' help-text cache of `cli` with a no-op; false when this yargs has no such hook. */
export function skipHelpCache(cli: unknown): boolean {
  const usage = (cli as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } } })
    .getInternalMethods?.()
    .getUsageInstance?.();
  if (!usage || typeof usage.cacheHelpMessage !== 'function') return false;
  usage.cacheHelpMessage = () => {};
  return true;
}
