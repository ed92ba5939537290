/**
 * What reading a page number off a row's address costs the server, against comparing addresses:
 * the round's summary (src/backfill/sql/page-walk.ts, roundSummarySql) does one or the other for
 * every row a round writes. One backend (no parallel workers), the same three tests each way.
 *
 *   npx tsx bench/page-of-address.ts [rows, default 300000]
 */
import { generateDataset } from '../fixtures/generator.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { loadBaselineSchema, withDatabase } from '../test/harness/template.js';
import { withClient } from './dataset.js';

const rows = Number(process.argv[2] ?? 300_000);
const QUERIES: Record<string, string> = {
  'count alone': `SELECT count(*) FROM aibridge_token_usages t`,
  'page via text and point': `SELECT count(*) FILTER (WHERE (((ctid::text)::point)[0] < 10::float8 OR ((ctid::text)::point)[0] >= 20::float8) AND ((ctid::text)::point)[0] < 1e9::float8) FROM aibridge_token_usages t`,
  'addresses compared': `SELECT count(*) FILTER (WHERE (ctid < '(10,0)'::tid OR ctid >= '(20,0)'::tid) AND ctid < '(1000000000,0)'::tid) FROM aibridge_token_usages t`,
};

async function main(): Promise<void> {
  const server = await startEmbeddedServer({ major: 15, settings: { shared_buffers: '512MB' } });
  try {
    await withClient(server.url, (c) => c.query(`CREATE DATABASE addresses`));
    const url = withDatabase(server.url, 'addresses');
    await loadBaselineSchema(url);
    await withClient(url, async (c) => {
      await generateDataset(c, { rows, seed: 42, shape: 'narrow' });
      await c.query('VACUUM ANALYZE');
    });
    const times = new Map<string, number[]>();
    await withClient(url, async (c) => {
      await c.query('SET max_parallel_workers_per_gather = 0');
      // Taking turns, seven times each: the machine's drift falls on every query alike.
      for (let round = 0; round < 7; round++) {
        for (const [name, text] of Object.entries(QUERIES)) {
          const started = performance.now();
          await c.query(text);
          times.set(name, [...(times.get(name) ?? []), performance.now() - started]);
        }
      }
    });
    for (const [name, ms] of times) {
      const sorted = [...ms].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      console.log(
        `${name.padEnd(26)} ${median.toFixed(1)} ms (${sorted[0]!.toFixed(1)}–${sorted.at(-1)!.toFixed(1)}), ${((median * 1e6) / rows).toFixed(0)} ns a row`,
      );
    }
  } finally {
    await server.stop();
  }
}

await main();
