/**
 * `aibridge-migrate down`: thin layer over src/migrate (imported lazily so --help stays fast).
 */
import { downOptionsSchema } from '../../migrate/options.js';
import { defineCommand } from '../command.js';

export const downCommand = defineCommand({
  command: 'down',
  describe: 'revert the last applied migration; refuses (exit 6) rather than drop cache token values that exist only in the columns',
  schema: downOptionsSchema,
  examples: [
    ['$0 down', 'revert the last migration (twice: the ledger, then the columns)'],
    ['$0 down --json', 'JSON result on stdout'],
  ],
  async run(settings, { runtime, print }) {
    const [{ migrateDeps }, { runDown }, render] = await Promise.all([
      import('../../migrate/deps.js'),
      import('../../migrate/down.js'),
      import('../../migrate/render.js'),
    ]);
    const result = await runDown(settings, migrateDeps(runtime));
    print(render.downJson(result), render.downText(result));
    return 0;
  },
});
