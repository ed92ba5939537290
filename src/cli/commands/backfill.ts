/**
 * `aibridge-migrate backfill`: progress output, signal handling and the result's exit code.
 * The work is in src/backfill, imported lazily so `--help` stays fast.
 */
import { backfillSchema } from '../../backfill/options.js';
import { defineCommand } from '../command.js';

export const backfillCommand = defineCommand({
  command: 'backfill',
  describe: 'fill the cache-token columns from metadata, online, in short resumable batches',
  schema: backfillSchema,
  examples: [
    ['$0 backfill --dry-run', 'show what would change, per provider and model, without writing'],
    ['$0 backfill', 'run (or resume) the backfill with adaptive batches'],
    ['$0 backfill --batch-size 5000 --json', 'fixed batches, JSON-lines progress on stdout'],
    ['$0 backfill --workers 4', '4 parallel workers; run the same command on another host to add 4 more'],
    ['$0 backfill --max-rows-per-second 20000 --pause-ms 100', 'gentle: bounded rate and a pause between batches'],
    ['$0 backfill --reverse', 'before `down`: put the column values back into metadata'],
  ],
  async run(options, { typed, configFile, log: logger, terminal }) {
    const [backfill, { InterruptedError, EXIT_CODES }, { scanProgressSink }] = await Promise.all([
      import('../../backfill/index.js'),
      import('../../errors.js'),
      import('../scan-progress.js'),
    ]);
    const resumeCommand = backfill.resumeCommand(typed);
    const sink = options.json
      ? backfill.jsonLinesSink((text) => process.stdout.write(text), undefined, { config_file: configFile?.path ?? null })
      : backfill.textSink({
          write: (text) => process.stderr.write(text),
          clock: { now: () => performance.now() },
          interactive: terminal.interactive,
          columns: () => process.stderr.columns,
        });

    // First signal: stop after the current batch, checkpointed. Second: exit at once; the
    // open transaction (if any) is rolled back by the server when the connection drops.
    const controller = new AbortController();
    const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
      if (controller.signal.aborted) {
        process.stderr.write(`\n${signal} again: aborting now (the open batch rolls back; resume with: ${resumeCommand})\n`);
        process.exit(signal === 'SIGTERM' ? EXIT_CODES.terminated : EXIT_CODES.interrupted);
      }
      if (!options.dryRun) logger.info(`\n${signal}: stopping after the current batch (press Ctrl-C again to abort at once)`);
      controller.abort(signal);
    };
    const onInt = () => onSignal('SIGINT');
    const onTerm = () => onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    try {
      // The dry run reads like verify: its progress goes to stderr, its report to stdout.
      const quiet = (options as { quiet?: boolean }).quiet === true;
      const scanSink = scanProgressSink({ json: options.json, quiet, terminal, label: 'backfill --dry-run' });
      const result = await backfill.backfillWithConfig(options, {
        sink,
        ...(options.dryRun ? { scanSink } : {}),
        signal: controller.signal,
        resumeCommand,
      });
      if (result.status === 'dry-run') {
        if (options.json)
          process.stdout.write(`${JSON.stringify({ status: 'dry-run', report: result.report, config_file: configFile?.path ?? null })}\n`);
        else process.stdout.write(`${backfill.formatResult(result).join('\n')}\n`);
        return EXIT_CODES.ok;
      }
      if (!options.json) {
        const lines = backfill.formatResult(result);
        if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (result.status === 'completed') return EXIT_CODES.ok;
      if (result.status === 'interrupted') {
        const where = options.connection.label;
        const error = new InterruptedError(
          result.signal,
          `backfill of ${where} stopped by ${result.signal}${result.runId === null ? '' : ` (run #${result.runId} checkpointed)`}`,
          {
            // The command alone may not say where (PG* variables, a config file): the hint does.
            hint: `Resume with: ${result.resumeCommand} (it continues on ${where})`,
            details: { runId: result.runId, position: result.position },
          },
        );
        throw error;
      }
      if (result.resumeCommand && !result.error.hint?.includes(result.resumeCommand)) {
        throw Object.assign(result.error, {
          hint: `${result.error.hint ? `${result.error.hint} ` : ''}Resume with: ${result.resumeCommand} (it continues on ${options.connection.label})`,
        });
      }
      throw result.error;
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
  },
});
