/**
 * `aibridge-migrate down`: thin layer over src/migrate (imported lazily so --help stays fast).
 */
import { defineCommand } from '../command.js';
import { knownOptionKeys } from '../flags.js';
import { createLogger } from '../output.js';
import { CODER_FLAGS, LOCK_FLAGS } from './up.js';

export const downCommand = defineCommand({
  command: 'down',
  describe: 'revert the last applied migration; refuses (exit 6) rather than drop cache token values that exist only in the columns',
  flags: {
    ...LOCK_FLAGS,
    ...CODER_FLAGS,
    forceDropData: {
      describe: "DESTRUCTIVE: drop the columns even if rows hold values their metadata does not carry (run `backfill --reverse` first instead); never overrides Coder's ownership of the columns",
      type: 'boolean',
    },
  },
  examples: [
    ['$0 down', 'revert the last migration (twice: the ledger, then the columns)'],
    ['$0 down --json', 'JSON result on stdout'],
  ],
  async run(flags) {
    const [{ resolveOptions }, { requireDatabaseUrl }, { downOptionsSchema }, { defaultDeps }, { runDown }, render] = await Promise.all([
      import('../../config/resolve.js'),
      import('../../config/common.js'),
      import('../../migrate/options.js'),
      import('../../migrate/deps.js'),
      import('../../migrate/down.js'),
      import('../../migrate/render.js'),
    ]);
    const settings = requireDatabaseUrl(
      await resolveOptions(downOptionsSchema, { flags, configFile: flags.config as string | undefined, knownKeys: knownOptionKeys() }),
    );
    const result = await runDown(settings, defaultDeps({ log: createLogger({ debug: settings.debug }) }));
    process.stdout.write(`${settings.json ? JSON.stringify(render.downJson(result)) : render.downText(result)}\n`);
    return 0;
  },
});
