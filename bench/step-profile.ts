/**
 * Where a backfill's time goes: the server's own time per statement class (pg_stat_statements)
 * beside the process's wall time and the steps its `--json` events report. What the server
 * does not account for is the client's share: round trips, the gate between steps, Node.
 *
 *   npx tsx bench/step-profile.ts [--rows 300000] [--dataset narrow|wide] [--major 15] [--max-wal-size 16GB] [--checkpoint-timeout 1h] [--wal] [--cpu-prof DIR] [-- extra backfill flags…]
 *
 * --wal prints the backfill's WAL by record type (pg_walinspect, PostgreSQL 15+): what each kind
 * of record costs, in records, bytes and full-page images.
 *
 * --cpu-prof writes the backfill process's V8 CPU profile into DIR (open it in Chrome's DevTools):
 * where the client's share goes.
 *
 * Durable server (fsync on), 512 MB shared_buffers; no checkpoint in the run unless --max-wal-size
 * is small (64MB: one every ~34 MB of WAL, as in the bench's checkpoint-dense regime at 1M rows)
 * or --checkpoint-timeout short (30s with `-- --max-rows-per-second 5000`: the throttled regime).
 */
import { parseArgs } from 'node:util';
import { generateDataset, type DatasetShape } from '../fixtures/generator.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { loadBaselineSchema, withDatabase } from '../test/harness/template.js';
import { applyToolkitMigrations } from '../test/harness/toolkit-schema.js';
import { runCollecting, sourceCli } from './cli.js';
import { withClient } from './dataset.js';
import { imagesPerRelation } from './metrics/full-page-images.js';

const { values: args, positionals } = parseArgs({
  options: {
    rows: { type: 'string', default: '300000' },
    dataset: { type: 'string', default: 'narrow' },
    major: { type: 'string', default: '15' },
    'max-wal-size': { type: 'string', default: '16GB' },
    'checkpoint-timeout': { type: 'string', default: '1h' },
    'cpu-prof': { type: 'string' },
    wal: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

/** Statement classes by what their text starts with or holds. */
const CLASSES: [string, RegExp][] = [
  ['round (UPDATE of rows)', /^WITH v AS \(/],
  ['judge (TID range read)', /^WITH (j|s) AS MATERIALIZED/],
  ['key batch', /^WITH (c|candidates|batch)\b/],
  ['ledger: range and run (and blocked sessions)', /^WITH range_row AS/],
  ['ledger: range update', /^UPDATE \S*backfill_ranges/],
  ['ledger: run update', /^UPDATE \S*backfill_runs/],
  ['ledger: moved rows', /backfill_moved_rows/],
  ['control read (and standbys)', /control_state/],
  ['standbys', /pg_stat_replication/],
  ['blocked sessions', /pg_blocking_pids/],
  ['set_config', /^SELECT set_config/],
  ['BEGIN/COMMIT', /^(BEGIN|COMMIT|ROLLBACK)/],
];

async function main(): Promise<void> {
  const rows = Number(args.rows);
  const server = await startEmbeddedServer({
    major: Number(args.major),
    settings: {
      shared_preload_libraries: 'pg_stat_statements',
      'pg_stat_statements.track': 'all',
      // Planning is not execution: a large statement text (the judge's rule) is parsed and planned
      // at every call, which total_exec_time leaves out.
      'pg_stat_statements.track_planning': 'on',
      shared_buffers: '512MB',
      max_wal_size: args['max-wal-size']!,
      // pg_walinspect reads the run's WAL afterwards: the checkpoints must not recycle it first.
      ...(args.wal ? { wal_keep_size: '24GB' } : {}),
      checkpoint_timeout: args['checkpoint-timeout']!,
    },
  });
  try {
    await withClient(server.url, (c) => c.query(`CREATE DATABASE profile`));
    const url = withDatabase(server.url, 'profile');
    await loadBaselineSchema(url);
    await withClient(url, async (c) => {
      await generateDataset(c, { rows, seed: 42, shape: args.dataset as DatasetShape });
      await c.query('VACUUM ANALYZE');
      await c.query('CREATE EXTENSION pg_stat_statements');
    });
    await applyToolkitMigrations(url);
    const startLsn = await withClient(url, async (c) => {
      await c.query('CHECKPOINT');
      await c.query('SELECT pg_stat_statements_reset()');
      if (args.wal) await c.query('CREATE EXTENSION pg_walinspect');
      return (await c.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]!.lsn;
    });
    const cli = sourceCli();
    const started = performance.now();
    const profile = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [];
    const run = await runCollecting('/usr/bin/time', ['-v', cli.command, ...profile, ...cli.prefix, 'backfill', '--json', ...positionals], {
      ...process.env,
      DATABASE_URL: url,
    });
    const wallMs = performance.now() - started;
    if (run.code !== 0) throw new Error(`backfill exited ${run.code}: ${run.stderr.slice(-2000)}`);
    const steps = run.events.filter((e) => e.event === 'batch');
    // `step`: judge or round (page walk), batch (key walk); `batch_size`: the rows it was sized for.
    // A window's first round writes on pages no earlier round has freed room on: its own kind.
    const byKind = new Map<string, { n: number; ms: number; rows: number; durations: number[] }>();
    let previous = '';
    for (const s of steps) {
      const step = String(s.step);
      const k = step === 'round' && previous === 'judge' ? 'first round of a window' : step;
      previous = step;
      const v = byKind.get(k) ?? { n: 0, ms: 0, rows: 0, durations: [] };
      v.n += 1;
      v.ms += Number(s.duration_ms ?? 0);
      v.rows += Number(s.batch_size ?? 0);
      v.durations.push(Number(s.duration_ms ?? 0));
      byKind.set(k, v);
    }
    if (args.wal) await printWalByRecord(url, startLsn);
    const stats = await withClient(url, async (c) =>
      (
        await c.query(
          `SELECT query, calls::bigint AS calls, total_exec_time AS ms, total_plan_time AS plan_ms FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        )
      ).rows.map((r) => ({ query: String(r.query).trim(), calls: Number(r.calls), ms: Number(r.ms), planMs: Number(r.plan_ms) })),
    );
    const classes = new Map<string, { calls: number; ms: number; planMs: number }>();
    for (const s of stats) {
      const name = CLASSES.find(([, re]) => re.test(s.query))?.[0] ?? `other: ${s.query.slice(0, 60).replace(/\s+/g, ' ')}`;
      const v = classes.get(name) ?? { calls: 0, ms: 0, planMs: 0 };
      v.calls += s.calls;
      v.ms += s.ms;
      v.planMs += s.planMs;
      classes.set(name, v);
    }
    const serverMs = [...classes.values()].reduce((a, v) => a + v.ms, 0);
    const calls = [...classes.values()].reduce((a, v) => a + v.calls, 0);
    console.log(`${rows} ${args.dataset} rows, PostgreSQL ${server.major}: wall ${(wallMs / 1000).toFixed(2)} s (process start included)`);
    const seconds = (label: string) => Number(new RegExp(`${label} \\(seconds\\): ([\\d.]+)`).exec(run.stderr)?.[1] ?? NaN);
    const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1] ?? NaN) / 1024;
    console.log(
      `toolkit process CPU: user ${seconds('User time')} s, system ${seconds('System time')} s (tsx compile included), peak RSS ${rss.toFixed(0)} MB`,
    );
    console.log('steps by kind (from --json):');
    for (const [kind, v] of byKind) {
      const sorted = [...v.durations].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(0);
      console.log(
        `  ${kind.padEnd(24)} ${String(v.n).padStart(5)} steps ${(v.ms / 1000).toFixed(2).padStart(7)} s, ${Math.round(v.rows / v.n)} rows each; ms p50 ${at(0.5)}, p99 ${at(0.99)}, max ${at(1)}`,
      );
    }
    const planMs = [...classes.values()].reduce((a, v) => a + v.planMs, 0);
    console.log(
      `server time in statements: ${(serverMs / 1000).toFixed(2)} s executing, ${(planMs / 1000).toFixed(2)} s planning, over ${calls} statements`,
    );
    for (const [name, v] of [...classes.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
      if (v.ms < 1 && v.calls < 50) continue;
      console.log(
        `  ${name.padEnd(40)} ${String(v.calls).padStart(7)} calls ${(v.ms / 1000).toFixed(2).padStart(8)} s executing ${(v.planMs / 1000).toFixed(2).padStart(7)} s planning`,
      );
    }
  } finally {
    await server.stop();
  }
}

/** The WAL since `from` by record type, the largest first (a CHECKPOINT flushes it for pg_walinspect). */
async function printWalByRecord(url: string, from: string): Promise<void> {
  await withClient(url, async (c) => {
    const end = (await c.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0]!.lsn;
    await c.query('CHECKPOINT');
    const { rows } = await c.query<{ type: string; n: string; record_mb: string; fpi_mb: string; fpi: string }>(
      `SELECT resource_manager || '/' || record_type AS type, count(*)::bigint AS n,
              round(sum(record_length - fpi_length) / 1048576.0, 1)::text AS record_mb,
              round(sum(fpi_length) / 1048576.0, 1)::text AS fpi_mb,
              sum((length(block_ref) - length(replace(block_ref, 'FPW', ''))) / 3)::bigint AS fpi
         FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)
        GROUP BY 1 ORDER BY sum(record_length) DESC LIMIT 12`,
      [from, end],
    );
    const total = (
      await c.query<{ mb: string }>(`SELECT round(pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn) / 1048576.0, 1)::text AS mb`, [from, end])
    ).rows[0]!.mb;
    console.log(`WAL of the backfill: ${total} MB; by record type (records, MB without images, MB of images, images):`);
    for (const r of rows) {
      console.log(
        `  ${r.type.padEnd(28)} ${r.n.padStart(9)} ${r.record_mb.padStart(8)} MB ${r.fpi_mb.padStart(8)} MB ${r.fpi.padStart(8)}`,
      );
    }
    console.log('images by relation (images, distinct pages imaged):');
    for (const r of await imagesPerRelation(c, from, end)) {
      console.log(`  ${r.relation.padEnd(48)} ${String(r.images).padStart(8)} ${String(r.pages).padStart(8)}`);
    }
  });
}

await main();
