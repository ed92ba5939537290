/**
 * `aibridge-migrate status`: thin layer over src/migrate (imported lazily so --help stays fast).
 */
import { defineCommand } from '../command.js';
import { knownOptionKeys } from '../flags.js';
import { createLogger } from '../output.js';
import { CODER_FLAGS, LOCK_FLAGS } from './up.js';

export const statusCommand = defineCommand({
  command: 'status',
  describe: "applied migrations (with times), pending ones, the latest backfill runs, and Coder's migration version with what up/down do about it; reads only",
  flags: { lockTimeout: LOCK_FLAGS.lockTimeout, ...CODER_FLAGS },
  examples: [['$0 status --json', 'JSON document on stdout']],
  async run(flags) {
    const [{ resolveOptions }, { requireDatabaseUrl }, { statusOptionsSchema }, { defaultDeps }, { runStatus }, render] = await Promise.all([
      import('../../config/resolve.js'),
      import('../../config/common.js'),
      import('../../migrate/options.js'),
      import('../../migrate/deps.js'),
      import('../../migrate/status.js'),
      import('../../migrate/render.js'),
    ]);
    const settings = requireDatabaseUrl(
      await resolveOptions(statusOptionsSchema, { flags, configFile: flags.config as string | undefined, knownKeys: knownOptionKeys() }),
    );
    const result = await runStatus(settings, defaultDeps({ log: createLogger({ debug: settings.debug }) }));
    process.stdout.write(`${settings.json ? JSON.stringify(render.statusJson(result)) : render.statusText(result)}\n`);
    return 0;
  },
});
