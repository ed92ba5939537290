/**
 * `aibridge-migrate up`: thin layer over src/migrate (imported lazily so --help stays fast).
 */
import { defineCommand } from '../command.js';
import { knownOptionKeys, type FlagSpec } from '../flags.js';
import { createLogger } from '../output.js';

const LOCKING = 'Locking:';

/** Shared by up, down (and --lock-timeout by status). */
export const LOCK_FLAGS = {
  lockTimeout: { describe: 'lock_timeout of the session that changes the schema; application queries queue behind a waiting ALTER at most this long', type: 'string', defaultDescription: '2s', group: LOCKING },
  lockRetries: { describe: 'retries when a lock is not granted (jittered exponential backoff); 0 = fail at once', type: 'string', defaultDescription: '10', group: LOCKING },
  lockRetryDelay: { describe: 'first retry delay ceiling; doubles per retry up to 30s, random in [half, full]', type: 'string', defaultDescription: '1s', group: LOCKING },
} satisfies Record<string, FlagSpec>;

/** Shared by up, down and status. */
export const CODER_FLAGS = {
  coderMigration: {
    describe: "number of Coder's migration that adds the cache token columns, for a Coder fork that renumbered it (the one before it counts as the release just before the change)",
    type: 'string',
    defaultDescription: '461',
    group: 'Coder:',
  },
} satisfies Record<string, FlagSpec>;

export const upCommand = defineCommand({
  command: 'up',
  describe: 'apply pending migrations (adds the cache token columns, creates the backfill ledger); safe on a live table',
  flags: {
    ...LOCK_FLAGS,
    ...CODER_FLAGS,
    dryRun: { describe: 'print the preflight results and the SQL that would run; changes nothing, takes no lock', type: 'boolean' },
  },
  examples: [
    ['$0 up --database-url postgres://coder@db:5432/coder', 'apply everything pending'],
    ['$0 up --dry-run', 'show what would run (DATABASE_URL from the environment)'],
    ['$0 up --lock-timeout 1s --lock-retries 20 --json', 'shorter waits, more retries, JSON result on stdout'],
  ],
  async run(flags) {
    const [{ resolveOptions }, { requireDatabaseUrl }, { upOptionsSchema }, { defaultDeps }, { runUp }, { runUpDryRun }, render] = await Promise.all([
      import('../../config/resolve.js'),
      import('../../config/common.js'),
      import('../../migrate/options.js'),
      import('../../migrate/deps.js'),
      import('../../migrate/up.js'),
      import('../../migrate/dry-run.js'),
      import('../../migrate/render.js'),
    ]);
    const settings = requireDatabaseUrl(
      await resolveOptions(upOptionsSchema, { flags, configFile: flags.config as string | undefined, knownKeys: knownOptionKeys() }),
    );
    const deps = defaultDeps({ log: createLogger({ debug: settings.debug }) });
    if (settings.dryRun) {
      const result = await runUpDryRun(settings, deps);
      process.stdout.write(`${settings.json ? JSON.stringify(render.dryRunJson(result)) : render.dryRunText(result)}\n`);
      if (result.failure) {
        // In JSON mode the document above already carries the error: one document only.
        if (settings.json) return result.failure.exitCode;
        throw result.failure;
      }
      return 0;
    }
    const result = await runUp(settings, deps);
    process.stdout.write(`${settings.json ? JSON.stringify(render.upJson(result)) : render.upText(result)}\n`);
    return 0;
  },
});
