/**
 * How much a full-table evaluation of the rule's SQL costs next to the upstream cast
 * expressions, on the same generated rows in the same run.
 *
 *   npx tsx bench/rule-eval.ts [--rows 1000000] [--reps 7] [--major 15]
 *
 * Parallel query is switched off so that both sides run on one core and the ratio is not a
 * measure of how many workers happened to be free on a shared machine. Besides wall time, the
 * benchmark reads the server backend's own CPU time (/proc/<pid>/schedstat, Linux; the embedded
 * server runs on this machine), which other processes competing for the cores do not inflate.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generateDataset } from '../fixtures/generator.js';
import { compileRuleSql, upstreamSql } from '../src/rule/index.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { loadBaselineSchema } from '../test/harness/template.js';
import { processCpuMs } from './metrics/backend-cpu.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    reps: { type: 'string', default: '7' },
    major: { type: 'string' },
  },
});
const rows = Number(args.rows);
const reps = Number(args.reps);
if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows must be a positive integer, got ${args.rows}`);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got ${args.reps}`);

const METADATA = '"t"."metadata"';
const TABLE = '"public"."aibridge_token_usages" AS "t"';
const rule = compileRuleSql(METADATA);
const upstream = upstreamSql(METADATA);

const QUERIES = {
  scan: `SELECT count("t"."metadata") FROM ${TABLE}`,
  upstream: `SELECT sum(r), sum(w) FROM (SELECT ${upstream.cacheRead} AS r, ${upstream.cacheWrite} AS w FROM ${TABLE}) s`,
  rule: `SELECT sum(r), sum(w) FROM (SELECT ${rule.cacheRead} AS r, ${rule.cacheWrite} AS w FROM ${TABLE}) s`,
  anomalies: `SELECT sum(cardinality(a)) FROM (SELECT ${rule.anomalies} AS a FROM ${TABLE}) s`,
} as const;
type QueryName = keyof typeof QUERIES;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Sample {
  ms: number;
  /** CPU time of the backend, or NaN where /proc is not available. */
  cpuMs: number;
  row: unknown[];
}

async function timed(client: pg.Client, backendPid: number, sql: string): Promise<Sample> {
  const cpu = processCpuMs(backendPid) ?? Number.NaN;
  const start = performance.now();
  const result = await client.query({ text: sql, rowMode: 'array' });
  return { ms: performance.now() - start, cpuMs: (processCpuMs(backendPid) ?? Number.NaN) - cpu, row: result.rows[0] as unknown[] };
}

const server = await startEmbeddedServer({
  ...(args.major ? { major: Number(args.major) } : {}),
  fast: true,
  // The whole table stays in shared buffers, so the timings compare expressions, not reads.
  settings: { shared_buffers: '1GB' },
});
const client = new pg.Client({ connectionString: server.url });
try {
  await client.connect();
  const version = (await client.query('SHOW server_version')).rows[0].server_version as string;
  await loadBaselineSchema(server.url);
  const loadStart = performance.now();
  await generateDataset(client, { rows, seed: 42 });
  await client.query('VACUUM ANALYZE "public"."aibridge_token_usages"');
  console.error(`PostgreSQL ${version}: ${rows} rows generated in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
  await client.query('SET max_parallel_workers_per_gather = 0');
  await client.query('SET jit = off');
  const backendPid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;

  // The upstream expression raises on malformed values; the generator writes none, so both
  // sides see the same rows, and their sums must agree or the comparison means nothing.
  const up = await timed(client, backendPid, QUERIES.upstream);
  const ru = await timed(client, backendPid, QUERIES.rule);
  if (JSON.stringify(up.row) !== JSON.stringify(ru.row)) {
    throw new Error(`rule and upstream disagree on the generated rows: ${JSON.stringify(ru.row)} vs ${JSON.stringify(up.row)}`);
  }
  const anomalyCount = (await timed(client, backendPid, QUERIES.anomalies)).row[0];

  const wall: Record<QueryName, number[]> = { scan: [], upstream: [], rule: [], anomalies: [] };
  const cpu: Record<QueryName, number[]> = { scan: [], upstream: [], rule: [], anomalies: [] };
  const names = Object.keys(QUERIES) as QueryName[];
  for (let rep = 0; rep < reps; rep++) {
    // Rotating the order keeps slow drift (other processes, caches) from favouring one side.
    const order = names.map((_, k) => names[(k + rep) % names.length]!);
    for (const name of order) {
      const sample = await timed(client, backendPid, QUERIES[name]);
      wall[name].push(sample.ms);
      cpu[name].push(sample.cpuMs);
    }
  }
  const w = Object.fromEntries(names.map((n) => [n, median(wall[n])])) as Record<QueryName, number>;
  const c = Object.fromEntries(names.map((n) => [n, median(cpu[n])])) as Record<QueryName, number>;
  const fmt = (ms: number) => (Number.isNaN(ms) ? '     n/a' : `${ms.toFixed(0).padStart(5)} ms`);
  const ratio = (a: number, b: number) => (Number.isNaN(a / b) ? 'n/a' : `${(a / b).toFixed(2)}x`);
  console.log(`rows: ${rows}, repetitions: ${reps}, medians (parallel query off, JIT off)`);
  console.log(`                         wall      backend CPU`);
  console.log(`  scan only (count)   ${fmt(w.scan)}   ${fmt(c.scan)}`);
  console.log(`  upstream cast       ${fmt(w.upstream)}   ${fmt(c.upstream)}   sums ${JSON.stringify(up.row)}`);
  console.log(`  rule                ${fmt(w.rule)}   ${fmt(c.rule)}   sums ${JSON.stringify(ru.row)}`);
  console.log(`  rule anomalies      ${fmt(w.anomalies)}   ${fmt(c.anomalies)}   anomalies found: ${anomalyCount}`);
  console.log(`ratio rule / upstream:          wall ${ratio(w.rule, w.upstream)}, CPU ${ratio(c.rule, c.upstream)} (target <= 1.5x)`);
  console.log(
    `  above the scan:               wall ${ratio(w.rule - w.scan, w.upstream - w.scan)}, CPU ${ratio(c.rule - c.scan, c.upstream - c.scan)}`,
  );
  console.log(`ratio anomalies / upstream:     wall ${ratio(w.anomalies, w.upstream)}, CPU ${ratio(c.anomalies, c.upstream)}`);
} finally {
  await client.end().catch(() => {});
  await server.stop();
}
