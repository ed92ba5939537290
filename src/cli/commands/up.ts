/**
 * `aibridge-migrate up`: thin layer over src/migrate (imported lazily so --help stays fast).
 */
import { upOptionsSchema } from '../../migrate/options.js';
import { defineCommand } from '../command.js';

export const upCommand = defineCommand({
  command: 'up',
  describe: 'apply pending migrations (adds the cache token columns, creates the backfill ledger); safe on a live table',
  schema: upOptionsSchema,
  examples: [
    ['$0 up --database-url postgres://coder@db:5432/coder', 'apply everything pending'],
    ['$0 up --dry-run', 'show what would run (DATABASE_URL from the environment)'],
    ['$0 up --lock-timeout 1s --lock-retries 20 --json', 'shorter waits, more retries, JSON result on stdout'],
    [
      'PGHOST=db PGUSER=coder PGDATABASE=coder $0 up --sslmode verify-full --ssl-root-cert ca.pem',
      'libpq variables, TLS with verification',
    ],
  ],
  async run(settings, { runtime, print }) {
    const [{ migrateDeps }, { runUp }, { runUpDryRun }, render] = await Promise.all([
      import('../../migrate/deps.js'),
      import('../../migrate/up.js'),
      import('../../migrate/dry-run.js'),
      import('../../migrate/render.js'),
    ]);
    const deps = migrateDeps(runtime);
    if (settings.dryRun) {
      const result = await runUpDryRun(settings, deps);
      print(render.dryRunJson(result), render.dryRunText(result));
      if (result.failure) {
        // In JSON mode the document above already carries the error: one document only.
        if (settings.json) return result.failure.exitCode;
        throw result.failure;
      }
      return 0;
    }
    const result = await runUp(settings, deps);
    print(render.upJson(result), render.upText(result));
    return 0;
  },
});
