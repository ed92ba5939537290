/**
 * `aibridge-migrate backfill`: flags, option resolution and signal handling. The work is in
 * src/backfill, imported lazily so `--help` stays fast.
 */
import { defineCommand } from '../command.js';
import type { FlagSpec } from '../flags.js';

const BATCHES = 'Batches:';
const RUN = 'Run:';
const SCALE = 'Scale and throttling:';

const flags = {
  batchSize: { describe: 'fixed rows per batch (disables adaptive sizing)', type: 'string', group: BATCHES },
  batchSizeMin: { describe: 'smallest adaptive batch', type: 'string', defaultDescription: '100', group: BATCHES },
  batchSizeMax: { describe: 'largest adaptive batch', type: 'string', defaultDescription: '50000', group: BATCHES },
  targetBatchMs: { describe: 'adaptive sizing aims each batch at this many milliseconds', type: 'string', defaultDescription: '200', group: BATCHES },
  lockTimeout: { describe: 'a batch waiting longer for a row lock is split and retried', type: 'string', defaultDescription: '5s', group: BATCHES },
  statementTimeout: { describe: 'a batch running longer is split and retried', type: 'string', defaultDescription: '30s', group: BATCHES },
  maxRetries: { describe: 'attempts per batch on transient failures before stopping (resumable)', type: 'string', defaultDescription: '8', group: BATCHES },
  convergePasses: { describe: 'sweeps for rows inserted behind the cursor after the keyed pass', type: 'string', defaultDescription: '3', group: BATCHES },
  workers: {
    describe:
      'run N workers (1-64), each on its own connection, over key ranges claimed in the ledger; more processes started with --workers (any host) join the same run',
    type: 'string',
    group: SCALE,
  },
  maxReplicationLag: {
    describe: 'pause while a replica replays more than this behind (pg_stat_replication.replay_lag); resume below half of it',
    type: 'string',
    defaultDescription: '10s',
    group: SCALE,
  },
  maxRowsPerSecond: { describe: 'scan at most this many rows per second (this process, all workers)', type: 'string', group: SCALE },
  pauseMs: { describe: 'fixed pause after every batch (e.g. 50ms, 1s)', type: 'string', defaultDescription: '0', group: SCALE },
  reverse: {
    describe: 'copy column values back into metadata (cache_read_input / cache_creation_input) where it lacks them, so `down` loses nothing',
    type: 'boolean',
    group: RUN,
  },
  dryRun: { describe: 'read only: report what would change, write nothing', type: 'boolean', group: RUN },
  restart: { describe: 'abandon the unfinished run and start a fresh one', type: 'boolean', group: RUN },
  wait: { describe: 'if another backfill is running, wait for it instead of failing (exit 7)', type: 'boolean', group: RUN },
} satisfies Record<string, FlagSpec>;

export const backfillCommand = defineCommand({
  command: 'backfill',
  describe: 'fill the cache-token columns from metadata, online, in short resumable batches',
  flags,
  examples: [
    ['$0 backfill --dry-run', 'show what would change, per provider and model, without writing'],
    ['$0 backfill', 'run (or resume) the backfill with adaptive batches'],
    ['$0 backfill --batch-size 5000 --json', 'fixed batches, JSON-lines progress on stdout'],
    ['$0 backfill --workers 4', '4 parallel workers; run the same command on another host to add 4 more'],
    ['$0 backfill --max-rows-per-second 20000 --pause-ms 100', 'gentle: bounded rate and a pause between batches'],
    ['$0 backfill --reverse', 'before `down`: put the column values back into metadata'],
  ],
  async run(typed) {
    const [{ resolveOptions }, { knownOptionKeys }, { requireDatabaseUrl }, backfill, { createLogger, detectTerminal }, { InterruptedError, EXIT_CODES }] =
      await Promise.all([
        import('../../config/resolve.js'),
        import('../flags.js'),
        import('../../config/common.js'),
        import('../../backfill/index.js'),
        import('../output.js'),
        import('../../errors.js'),
      ]);
    const options = requireDatabaseUrl(
      await resolveOptions(backfill.backfillSchema, { flags: typed, configFile: typed.config as string | undefined, knownKeys: knownOptionKeys() }),
    );
    const terminal = detectTerminal();
    const logger = createLogger({ debug: options.debug });
    const resumeCommand = backfill.resumeCommand(typed);
    const sink = options.json
      ? backfill.jsonLinesSink((text) => process.stdout.write(text))
      : backfill.textSink({ write: (text) => process.stderr.write(text), clock: { now: () => performance.now() }, interactive: terminal.interactive });

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
      const result = await backfill.backfillWithConfig(options, {
        sink,
        signal: controller.signal,
        resumeCommand,
      });
      if (result.status === 'dry-run') {
        if (options.json) process.stdout.write(`${JSON.stringify({ status: 'dry-run', report: result.report })}\n`);
        else process.stdout.write(`${backfill.formatResult(result).join('\n')}\n`);
        return EXIT_CODES.ok;
      }
      if (!options.json) {
        const lines = backfill.formatResult(result);
        if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (result.status === 'completed') return EXIT_CODES.ok;
      if (result.status === 'interrupted') {
        const error = new InterruptedError(result.signal, `backfill stopped by ${result.signal}${result.runId === null ? '' : ` (run #${result.runId} checkpointed)`}`, {
          hint: `Resume with: ${result.resumeCommand}`,
          details: { runId: result.runId, position: result.position },
        });
        throw error;
      }
      if (result.resumeCommand && !result.error.hint?.includes(result.resumeCommand)) {
        throw Object.assign(result.error, { hint: `${result.error.hint ? `${result.error.hint} ` : ''}Resume with: ${result.resumeCommand}` });
      }
      throw result.error;
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
  },
});
