/**
 * Throughput of `backfill --workers N` for several N on the same generated data, on an
 * embedded PostgreSQL with durability on. Each contender gets a fresh copy of one template
 * database, after `up`, and runs the CLI from source in its own process.
 *
 *   npx tsx bench/workers.ts [rows=1000000] [workers=single,1,2,4] [extra CLI flags…]
 *
 * "single" is the single runner (no --workers). Prints wall time, rows/s, batches, longest
 * batch and the machine's load average before and after each run: on a shared machine the
 * load says how much of it the run really had.
 */
import os from 'node:os';
import { generateDataset } from '../fixtures/generator.js';
import { runCollecting } from './cli.js';
import { withClient } from './dataset.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { loadBaselineSchema, withDatabase } from '../test/harness/template.js';
import { applyToolkitMigrations } from '../test/harness/toolkit-schema.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const contenders = (process.argv[3] ?? 'single,1,2,4').split(',');
const extraFlags = process.argv.slice(4);

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const server = await startEmbeddedServer({ settings: { max_wal_size: '4GB', checkpoint_timeout: '30min', max_connections: '100' } });
  console.log(`PostgreSQL ${server.major}; ${rows.toLocaleString()} rows; ${os.cpus().length} cores; load ${load()}`);
  try {
    await withClient(server.url, (c) => c.query(`CREATE DATABASE bench_template`));
    const templateUrl = withDatabase(server.url, 'bench_template');
    await loadBaselineSchema(templateUrl);
    await withClient(templateUrl, async (c) => {
      await generateDataset(c, { rows, seed: 42 });
    });
    await applyToolkitMigrations(templateUrl);
    await withClient(templateUrl, (c) => c.query('VACUUM ANALYZE'));

    for (const contender of contenders) {
      const db = `bench_${contender}`;
      await withClient(server.url, (c) => c.query(`CREATE DATABASE ${db} TEMPLATE bench_template`));
      const url = withDatabase(server.url, db);
      await withClient(url, (c) => c.query('CHECKPOINT'));
      const flags = contender === 'single' ? [] : ['--workers', contender];
      const loadBefore = load();
      const started = performance.now();
      const {
        code,
        stderr: err,
        events,
      } = await runCollecting(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'backfill', '--json', ...flags, ...extraFlags], {
        ...process.env,
        DATABASE_URL: url,
      });
      const ms = performance.now() - started;
      const finish = events.find((e) => e.event === 'finish');
      if (code !== 0 || !finish) {
        console.log(`${contender}: exited ${code}\n${err.slice(-2000)}`);
        continue;
      }
      const s = finish.summary;
      console.log(
        `${contender === 'single' ? 'single runner' : `--workers ${contender}`}: ${(ms / 1000).toFixed(2)} s wall incl. process start, ` +
          `${Math.round((rows * 1000) / ms).toLocaleString()} rows/s wall, ${s.rows_updated.toLocaleString()} rows updated in ${s.batches} batches, ` +
          `longest batch ${s.longest_batch_ms} ms, busy ${(s.busy_ms / 1000).toFixed(1)} s summed over workers, ` +
          `pauses ${events.filter((e) => e.event === 'pause').length}, retries ${events.filter((e) => e.event === 'retry').length}; ` +
          `load before ${loadBefore}, after ${load()}`,
      );
      await withClient(server.url, (c) => c.query(`DROP DATABASE ${db}`));
    }
  } finally {
    await server.stop();
  }
}

await main();
