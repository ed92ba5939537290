/**
 * What handing a page-walk round its rows costs, client and server together: the rows as four
 * parallel arrays (unnest; the driver escapes every element, the server parses four array
 * literals) against one text in the judge's layout (string_to_table; src/backfill/sql/
 * page-walk.ts, roundRowsSql). The statement only counts the rows it was given, so what is
 * measured is the handing over, not an update. A round of 2,233 rows, as a 1M-row narrow table
 * gives (`npx tsx bench/step-profile.ts`):
 *
 *   npx tsx bench/round-params.ts [--rows 2233] [--repeats 300] [--major 15]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { roundRowsSql } from '../src/backfill/sql/page-walk.js';
import { sql } from '../src/db/sql.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '2233' },
    repeats: { type: 'string', default: '300' },
    major: { type: 'string', default: '15' },
  },
});
const n = Number(args.rows);
const repeats = Number(args.repeats);
const fields = Array.from({ length: n }, (_, i) => ({
  id: randomUUID(),
  page: i,
  version: String(700_000 + i),
  values: [String(i * 37), String(i * 11)],
}));
// As a judge gives them (src/backfill/sql/page-walk.ts, judgedRowsSql): id, version, values, page.
const rows = fields.map((r) => ({ page: r.page, line: [r.id, r.version, ...r.values, r.page].join(' ') }));

const arrays = () => ({
  text: `SELECT count(*) FROM unnest($1::uuid[], $2::xid[], $3::bigint[], $4::bigint[]) AS v(id, row_version, cache_read, cache_write)`,
  values: [fields.map((r) => r.id), fields.map((r) => r.version), fields.map((r) => r.values[0]), fields.map((r) => r.values[1])],
});
const text = () =>
  sql`SELECT count(*) FROM (${roundRowsSql(rows, [
    { name: 'cache_read', type: 'bigint' },
    { name: 'cache_write', type: 'bigint' },
  ])}) AS v`;

const server = await startEmbeddedServer({ major: Number(args.major), settings: {} });
const client = new pg.Client({ connectionString: server.url });
try {
  await client.connect();
  const msPerRound = async (statement: () => { text: string; values: unknown[] }) => {
    for (let i = 0; i < 30; i++) await client.query(statement().text, statement().values);
    const started = performance.now();
    for (let i = 0; i < repeats; i++) {
      const { text: t, values } = statement();
      const { rows: out } = await client.query(t, values);
      if (Number(out[0].count) !== n) throw new Error(`counted ${out[0].count} rows, not ${n}`);
    }
    return (performance.now() - started) / repeats;
  };
  const asArrays = await msPerRound(arrays);
  const asText = await msPerRound(text);
  console.log(
    `a round of ${n} rows handed over: four arrays ${asArrays.toFixed(2)} ms, one text ${asText.toFixed(2)} ms (${(asArrays / asText).toFixed(1)}× faster)`,
  );
} finally {
  await client.end();
  await server.stop();
}
