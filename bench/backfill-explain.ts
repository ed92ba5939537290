/**
 * Where a batch's time goes: EXPLAIN ANALYZE of one key-walk batch statement, then
 * per-statement timings of a few real steps of either walk, on generated rows on a durable
 * embedded server.
 *
 *   npx tsx bench/backfill-explain.ts [rows=100000] [batch=1000] [steps=10] [page|key]
 */
import pg from 'pg';
import { generateDataset } from '../fixtures/generator.js';
import { controllerSettings } from '../src/backfill/policy/controller.js';
import { planPageRanges } from '../src/backfill/policy/ranges.js';
import { heapPages } from '../src/backfill/run/server-facts.js';
import { laneWalker } from '../src/backfill/run/lane.js';
import { FORWARD } from '../src/backfill/sql/direction.js';
import { BATCH_PLANNER_SETTINGS, batchStatement } from '../src/backfill/sql/forward.js';
import { sql } from '../src/db/sql.js';
import { claimRange, insertRanges } from '../src/ledger/ranges.js';
import { tables as tableNames } from '../src/names.js';
import { systemRuntime } from '../src/runtime.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { loadBaselineSchema } from '../test/harness/template.js';
import { applyToolkitMigrations } from '../test/harness/toolkit-schema.js';

const rows = Number(process.argv[2] ?? 100_000);
const size = Number(process.argv[3] ?? 1_000);
const walk = process.argv[5] === 'key' ? 'key' : 'page';
const server = await startEmbeddedServer();
try {
  await loadBaselineSchema(server.url);
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  await generateDataset(c, { rows, seed: 1 });
  await c.end();
  await applyToolkitMigrations(server.url);
  const d = new pg.Client({ connectionString: server.url });
  await d.connect();
  await d.query('VACUUM ANALYZE aibridge_token_usages');
  const names = tableNames('public', 'aibridge_migrate');
  const st = batchStatement(names.usages, { lo: null, hi: null, size, existedBefore: new Date() });
  await d.query('BEGIN');
  for (const [name, value] of Object.entries(BATCH_PLANNER_SETTINGS)) await d.query('SELECT set_config($1, $2, true)', [name, value]);
  const { rows: plan } = await d.query('EXPLAIN (ANALYZE, BUFFERS, WAL) ' + st.text, st.values);
  await d.query('ROLLBACK');
  console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));

  await d.query(
    `INSERT INTO aibridge_migrate.backfill_runs (direction, status, rule_fingerprint, target_schema, target_table) VALUES ('forward', 'running', 'x', 'public', 'aibridge_token_usages')`,
  );
  await insertRanges(d, names, 1, 0, walk === 'key' ? [{ lo: null, hi: null }] : planPageRanges(1, await heapPages(d, names.usages)));
  const timings = new Map<string, number[]>();
  const timed = {
    query: async (text: string, values?: unknown[]) => {
      const t = performance.now();
      const r = await d.query(text, values as any[]);
      const key = text.slice(0, 30).replace(/\s+/g, ' ');
      timings.set(key, [...(timings.get(key) ?? []), performance.now() - t]);
      return r;
    },
  };
  const settings = {
    ops: FORWARD,
    tables: names,
    timeouts: { statementTimeoutMs: 30_000, lockTimeoutMs: 5_000 },
    clock: systemRuntime().clock,
    runStartedAt: new Date(),
    firstPassCountsRowsAtStart: false,
    pace: { walBytes: Number.POSITIVE_INFINITY, timeoutMs: Number.POSITIVE_INFINITY, hintsLogged: false },
    maxRowsPerSecond: () => null,
    readAhead: null,
    walCompression: null,
  };
  const fixed = controllerSettings({ targetBatchMs: 100, batchSizeMin: 1, batchSizeMax: size, batchSize: size });
  const { walker } = laneWalker(walk, settings, () => fixed);
  walker.begin((await claimRange(d, names, 1, 'bench'))!);
  for (let i = 0; i < Number(process.argv[4] ?? 10); i++) {
    const out = await walker.step(timed as any, sql`0`);
    console.log(`${out.kind} ${i}: ${out.scanned} rows read, ${out.updated} updated, ${out.ms.toFixed(1)} ms`);
    if (out.rangeDone) break;
  }
  for (const [k, v] of timings) console.log(`${k.padEnd(32)} median ${v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!.toFixed(2)} ms`);
  await d.end();
} finally {
  await server.stop();
}
