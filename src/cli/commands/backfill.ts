/**
 * `aibridge-migrate backfill`: progress output, signal handling and the result's exit code.
 * The work is in src/backfill, imported lazily so `--help` stays fast.
 */
import { backfillSchema } from '../../backfill/options.js';
import { defineCommand } from '../command.js';
import { gracefulStop } from '../signals.js';

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
    ['$0 backfill --metrics-port 9187', 'Prometheus metrics at http://127.0.0.1:9187/metrics while it runs'],
    [
      '$0 backfill --dry-run --database-url postgres://…:6432/coder',
      'the dry run works through a transaction-mode pooler; a run there exits 10',
    ],
  ],
  async run(settings, { typed, configFile, runtime, terminal }) {
    const logger = runtime.log;
    const [backfill, { InterruptedError, CancelledError, EXIT_CODES }, { scanProgressSink }] = await Promise.all([
      import('../../backfill/index.js'),
      import('../../errors.js'),
      import('../scan-progress.js'),
    ]);
    const resumeCommand = backfill.resumeCommandLine(typed);
    const jsonSink = backfill.jsonLinesSink((text) => process.stdout.write(text), runtime.clock, { config_file: configFile?.path ?? null });
    // --quiet: the finish event alone (JSON), or nothing until the result (text).
    const sink: (event: import('../../backfill/index.js').BackfillEvent) => void = settings.quiet
      ? settings.json
        ? (event) => (event.event === 'finish' ? jsonSink(event) : undefined)
        : () => {}
      : settings.json
        ? jsonSink
        : backfill.textSink({
            write: (text) => process.stderr.write(text),
            clock: runtime.clock,
            interactive: terminal.interactive,
            columns: () => process.stderr.columns,
          });

    // First signal: stop after the current batch, checkpointed. Second: exit at once; the
    // open transaction (if any) is rolled back by the server when the connection drops.
    const stop = gracefulStop({
      onFirst: (signal) => {
        if (!settings.dryRun) logger.info(`\n${signal}: stopping after the current batch (press Ctrl-C again to abort at once)`);
      },
      onSecond: (signal) =>
        process.stderr.write(`\n${signal} again: aborting now (the open batch rolls back; resume with: ${resumeCommand})\n`),
    });
    try {
      // The dry run reads like verify: its progress goes to stderr, its report to stdout.
      const scanSink = scanProgressSink({
        json: settings.json,
        quiet: settings.quiet,
        terminal,
        label: 'backfill --dry-run',
        clock: runtime.clock,
      });
      const result = await backfill.backfillWithConfig(settings, {
        sink,
        ...(settings.dryRun ? { scanSink } : {}),
        signal: stop.signal,
        resumeCommand,
        // Warnings (a pooler with --pooler-ok, a session lock left behind) on stderr.
        ...runtime,
      });
      if (result.status === 'dry-run') {
        if (settings.json)
          process.stdout.write(`${JSON.stringify({ status: 'dry-run', report: result.report, config_file: configFile?.path ?? null })}\n`);
        else if (!settings.quiet) process.stdout.write(`${backfill.formatResult(result).join('\n')}\n`);
        return EXIT_CODES.ok;
      }
      if (!settings.json && !(settings.quiet && result.status === 'completed')) {
        const lines = backfill.formatResult(result);
        if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (result.status === 'completed') return EXIT_CODES.ok;
      const where = settings.connection.label;
      const details = { runId: result.runId, position: 'position' in result ? result.position : null };
      if (result.status === 'interrupted') {
        const checkpointed = result.runId === null ? '' : ` (run #${result.runId} checkpointed)`;
        const hint = backfill.resumeHint(result.resumeCommand, where);
        throw new InterruptedError(result.signal, `backfill of ${where} stopped by ${result.signal}${checkpointed}`, { hint, details });
      }
      if (result.status === 'cancelled') {
        throw new CancelledError(`backfill run #${result.runId} of ${where} was cancelled (aibridge-migrate cancel); checkpointed`, {
          hint: backfill.resumeHint(result.resumeCommand, where, 'starting it takes the cancel back'),
          details,
        });
      }
      // The engine's error already says how to resume (src/backfill/run/finish.ts).
      throw result.error;
    } finally {
      stop.release();
    }
  },
});
