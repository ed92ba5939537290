/**
 * `aibridge-migrate status`: thin layer over src/migrate (imported lazily so --help stays fast).
 */
import { statusOptionsSchema } from '../../migrate/options.js';
import { defineCommand } from '../command.js';

export const statusCommand = defineCommand({
  command: 'status',
  describe:
    "applied migrations (with times), pending ones, the backfill (progress, who runs it), and Coder's migration version with what up/down do about it; reads only",
  schema: statusOptionsSchema,
  examples: [
    ['$0 status --json', 'JSON document on stdout'],
    ['$0 status --check', 'for a pipeline: exit 0 only when migrated and backfilled, else exit 9 and one line saying what is missing'],
    ['$0 status --watch --interval 5s', 'follow a running backfill: percent, rows left, rate, ETA, processes and lanes'],
  ],
  async run(settings, { runtime, print }) {
    const { log } = runtime;
    if (settings.watch) {
      const { watchStatus } = await import('../status-watch.js');
      return watchStatus(settings, runtime);
    }
    const [{ migrateDeps }, { runStatus }, render, { EXIT_CODES }] = await Promise.all([
      import('../../migrate/deps.js'),
      import('../../migrate/status.js'),
      import('../../migrate/render.js'),
      import('../../errors.js'),
    ]);
    const result = await runStatus(settings, migrateDeps(runtime));
    // On stderr with the other lines for people, in text and --json alike; --json also carries it as server.warning.
    if (result.server.warning) log.warn(result.server.warning);
    print(render.statusJson(result), render.statusText(result));
    if (!settings.check) return EXIT_CODES.ok;
    if (result.readiness.ready) {
      log.info('status --check: ready (every migration applied, backfill completed with no eligible row left)');
      return EXIT_CODES.ok;
    }
    log.info(`status --check: not ready: ${result.readiness.missing.join('; ')}`);
    return EXIT_CODES.notReady;
  },
});
