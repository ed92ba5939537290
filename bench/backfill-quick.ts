/**
 * Quick measurement of the backfill runner next to the upstream single statement, on the same
 * generated data, on an embedded PostgreSQL with durability ON (WAL and fsync are part of the
 * cost being measured).
 *
 *   npx tsx bench/backfill-quick.ts [rows=1000000] [extra CLI flags…]
 *
 * Prints, per contender: wall time, rows/s, longest batch, WAL written, heap size after, and
 * for the runner the peak RSS of its process (GNU time's "Maximum resident set size").
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { generateDataset } from '../fixtures/generator.js';
import { upstreamSql } from '../src/rule/index.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { loadBaselineSchema, withDatabase } from '../test/harness/template.js';
import { applyToolkitMigrations } from '../test/harness/toolkit-schema.js';
import { PROJECT_ROOT as ROOT, runCollecting } from './cli.js';
import { withClient } from './dataset.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const extraFlags = process.argv.slice(3);

async function walLsn(c: pg.Client): Promise<string> {
  return (await c.query(`SELECT pg_current_wal_insert_lsn()::text AS l`)).rows[0].l;
}

async function walSince(c: pg.Client, lsn: string): Promise<number> {
  return Number((await c.query(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::bigint AS d`, [lsn])).rows[0].d);
}

async function heapMb(c: pg.Client): Promise<number> {
  return Number((await c.query(`SELECT pg_relation_size('aibridge_token_usages') AS s`)).rows[0].s) / 2 ** 20;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

async function main(): Promise<void> {
  const server = await startEmbeddedServer({ settings: { max_wal_size: '4GB', checkpoint_timeout: '30min' } });
  console.log(`PostgreSQL ${server.major} on port ${server.port}; ${rows.toLocaleString()} rows; cores ${os.cpus().length}`);
  try {
    await withClient(server.url, (c) => c.query(`CREATE DATABASE bench_template`));
    const templateUrl = withDatabase(server.url, 'bench_template');
    await loadBaselineSchema(templateUrl);
    let t = performance.now();
    await withClient(templateUrl, async (c) => {
      await generateDataset(c, { rows, seed: 42 });
      await c.query('VACUUM ANALYZE');
    });
    console.log(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // --- upstream: ALTER + one UPDATE in one transaction ----------------------------------
    await withClient(server.url, (c) => c.query(`CREATE DATABASE bench_upstream TEMPLATE bench_template`));
    const upstreamUrl = withDatabase(server.url, 'bench_upstream');
    await withClient(upstreamUrl, async (c) => {
      await c.query('CHECKPOINT');
      const heapBefore = await heapMb(c);
      const lsn = await walLsn(c);
      const up = upstreamSql('metadata');
      t = performance.now();
      await c.query('BEGIN');
      await c.query(
        `ALTER TABLE aibridge_token_usages ADD COLUMN cache_read_input_tokens bigint NOT NULL DEFAULT 0, ADD COLUMN cache_write_input_tokens bigint NOT NULL DEFAULT 0`,
      );
      const res = await c.query(
        `UPDATE aibridge_token_usages SET cache_read_input_tokens = ${up.cacheRead}, cache_write_input_tokens = ${up.cacheWrite}
          WHERE metadata IS NOT NULL AND cache_read_input_tokens = 0 AND cache_write_input_tokens = 0`,
      );
      await c.query('COMMIT');
      const ms = performance.now() - t;
      console.log(
        `upstream single statement: ${(ms / 1000).toFixed(2)} s, ${Math.round((rows * 1000) / ms).toLocaleString()} rows/s, ` +
          `${res.rowCount?.toLocaleString()} rows updated, longest (only) statement ${(ms / 1000).toFixed(2)} s, WAL ${mb(await walSince(c, lsn))}, heap ${heapBefore.toFixed(0)} → ${(await heapMb(c)).toFixed(0)} MB`,
      );
    });
    await withClient(server.url, (c) => c.query(`DROP DATABASE bench_upstream`));

    // --- this toolkit: `up`, then the backfill CLI in its own process ----------------------
    await withClient(server.url, (c) => c.query(`CREATE DATABASE bench_toolkit TEMPLATE bench_template`));
    const toolkitUrl = withDatabase(server.url, 'bench_toolkit');
    await applyToolkitMigrations(toolkitUrl);
    await withClient(toolkitUrl, async (c) => {
      await c.query('CHECKPOINT');
      const heapBefore = await heapMb(c);
      const lsn = await walLsn(c);
      const hotBefore = Number(
        (await c.query(`SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'aibridge_token_usages'`)).rows[0].n_tup_hot_upd,
      );
      t = performance.now();
      const entry =
        fs.existsSync(path.join(ROOT, 'dist/cli.mjs')) && process.env.BENCH_FROM_SOURCE !== '1'
          ? ['bin/aibridge-migrate.js']
          : ['--import', 'tsx', 'src/cli/main.ts'];
      const {
        code,
        stderr: err,
        events,
      } = await runCollecting('/usr/bin/time', ['-v', process.execPath, ...entry, 'backfill', '--json', ...extraFlags], {
        ...process.env,
        DATABASE_URL: toolkitUrl,
      });
      const ms = performance.now() - t;
      const finish = events.find((e) => e.event === 'finish');
      const batches = events.filter((e) => e.event === 'batch');
      const sizes = batches.map((b) => b.batch_size);
      const durations = batches.map((b) => b.duration_ms).sort((a, b) => a - b);
      const p = (q: number) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))];
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1];
      const hotAfter = Number(
        (await c.query(`SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'aibridge_token_usages'`)).rows[0].n_tup_hot_upd,
      );
      if (code !== 0 || !finish) {
        console.log(`toolkit backfill exited ${code}:\n${err.slice(-2000)}`);
        return;
      }
      const s = finish.summary;
      console.log(
        `toolkit backfill (${entry[0] === '--import' ? 'from source via tsx' : 'dist'} ${extraFlags.join(' ') || 'adaptive, defaults'}): ${(ms / 1000).toFixed(2)} s wall incl. process start, ` +
          `${Math.round((rows * 1000) / ms).toLocaleString()} rows/s wall, ${s.rows_per_second.toLocaleString()} rows/s inside batches, ` +
          `${s.rows_updated.toLocaleString()} rows updated in ${s.batches} batches (sizes ${Math.min(...sizes)}..${Math.max(...sizes)}, ` +
          `median batch ${p(0.5)} ms, p99 ${p(0.99)} ms, longest ${s.longest_batch_ms} ms), convergence sweeps ${s.convergence_passes}, ` +
          `WAL ${mb(await walSince(c, lsn))}, heap ${heapBefore.toFixed(0)} → ${(await heapMb(c)).toFixed(0)} MB, ` +
          `HOT ${(((hotAfter - hotBefore) * 100) / Math.max(1, s.rows_updated)).toFixed(0)}% (stats may lag), peak RSS ${rss ? `${(Number(rss) / 1024).toFixed(0)} MB` : '?'}`,
      );

      // A second run over backfilled data: what a re-run costs.
      t = performance.now();
      const again = spawn(process.execPath, [...entry, 'backfill', '--json', ...extraFlags], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: toolkitUrl },
        stdio: 'ignore',
      });
      await new Promise((resolve) => again.on('exit', resolve));
      console.log(`toolkit re-run on backfilled data: ${((performance.now() - t) / 1000).toFixed(2)} s`);
    });
  } finally {
    await server.stop();
  }
}

await main();
