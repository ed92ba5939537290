/**
 * An example deploy step using the programmatic API instead of the CLI:
 *
 *   DATABASE_URL=postgres://… npx tsx examples/deploy.ts
 *
 * 1. `up` with a short lock timeout (retried with backoff, never stalls traffic for long); with
 *    Coder at the release whose newest migration is 460 it also records Coder's migration 461
 *    as applied, and it refuses (PreflightError, exit 5) while Coder is older or dirty;
 * 2. the online backfill — resumable, so a failed step can simply be run again;
 * 3. verify parity and fail the deploy if it does not hold.
 * Run it before the Coder upgrade (Coder at 460) and once more after it: `up` then has nothing
 * to do and the backfill catches the rows the old release wrote in between.
 * Exits with the same codes as the CLI.
 */
import { EXIT_CODES, ToolkitError, migrateUp, renderReport, runBackfill, verify } from '../src/index.js';

export async function deploy(databaseUrl: string, log: (line: string) => void = console.error): Promise<number> {
  const up = await migrateUp({ databaseUrl, lockTimeout: '2s' });
  if (!up.dryRun) log(up.applied.length > 0 ? `applied: ${up.applied.map((m) => m.name).join(', ')}` : 'schema already up to date');

  const backfill = await runBackfill({ databaseUrl });
  if (backfill.status !== 'completed') {
    log(`backfill ${backfill.status}; run this step again to resume`);
    return backfill.status === 'interrupted' ? EXIT_CODES.interrupted : EXIT_CODES.retriesExhausted;
  }
  log(`backfill updated ${backfill.summary.rowsUpdated} rows`);

  const check = await verify({ databaseUrl });
  if (check.status !== 'pass') {
    log(renderReport(check.report, 'markdown'));
    return check.exitCode;
  }
  log('parity holds');
  return EXIT_CODES.ok;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('set DATABASE_URL');
    process.exit(EXIT_CODES.usage);
  }
  deploy(url)
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(error instanceof ToolkitError ? `${error.message}\n${error.hint ?? ''}` : error);
      process.exit(error instanceof ToolkitError ? error.exitCode : EXIT_CODES.internal);
    });
}
