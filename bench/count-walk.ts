/**
 * What one walk of the end-of-pass count costs, against the forms it could take: the landed
 * statement (ownership tested before the rule, in a CASE), the same with a plain AND (whose
 * operands PostgreSQL may evaluate in any order), the form
 * before that (the rule over `CASE WHEN owned THEN metadata END`, so every key of a filled row
 * still enters the rule's expressions), and a bare count of the same chunks (the floor). The
 * table is filled by the set-based UPDATE and not vacuumed, as (d) in `npm run bench` finds it.
 *
 *   npx tsx bench/count-walk.ts [rows=1000000] [narrow|wide] [repetitions=5]
 *
 * Prints each form's wall time for a whole-table walk in 1500-page chunks, each chunk in its
 * own read-only transaction with the count's settings, as the backfill runs it.
 */
import pg from 'pg';
import { DATASET_SHAPES, generateDataset, type DatasetShape } from '../fixtures/generator.js';
import { eligibleCountStatement } from '../src/backfill/sql/forward.js';
import { countChunkSettings } from '../src/backfill/sql/count-window.js';
import { spanCondition } from '../src/backfill/sql/page-walk.js';
import { quoted, sql, unsafeRaw, type Statement } from '../src/db/sql.js';
import { withTransaction } from '../src/db/transaction.js';
import { appTables } from '../src/names.js';
import { compileRuleSql } from '../src/rule/sql.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { loadBaselineSchema } from '../test/harness/template.js';
import { applyToolkitMigrations } from '../test/harness/toolkit-schema.js';
import { SET_BASED_SQL } from './contenders/set-based.js';

const rows = Number(process.argv[2] ?? 1_000_000);
const shape = (process.argv[3] ?? 'narrow') as DatasetShape;
const repetitions = Number(process.argv[4] ?? 5);
if (!DATASET_SHAPES.includes(shape)) throw new Error(`shape must be one of ${DATASET_SHAPES.join(', ')}`);
const CHUNK_PAGES = 1500;

const usages = appTables('public').usages;
const owned = 't.cache_read_input_tokens = 0 AND t.cache_write_input_tokens = 0';
const rule = compileRuleSql('t.metadata');
const before = compileRuleSql(`CASE WHEN ${owned} THEN t.metadata END`);
const pageChunk = (from: number, to: number, eligible: string): Statement =>
  sql`SELECT count(*)::bigint AS scanned, count(*) FILTER (WHERE ${unsafeRaw(eligible)})::bigint AS eligible,
       count(*) FILTER (WHERE t.created_at <= ${new Date()}::timestamptz)::bigint AS existed
  FROM ${quoted(usages)} AS t WHERE ${spanCondition({ from, to })}`;
const forms: Record<string, (from: number, to: number) => Statement> = {
  landed: (from, to) => eligibleCountStatement(usages, { by: 'page', from, to, existedBefore: new Date() }),
  'in an AND': (from, to) => pageChunk(from, to, `${owned} AND (${rule.cacheRead} <> 0 OR ${rule.cacheWrite} <> 0)`),
  'before c04adc8': (from, to) => pageChunk(from, to, `${before.cacheRead} <> 0 OR ${before.cacheWrite} <> 0`),
  'bare count': (from, to) => pageChunk(from, to, 'false'),
};

const server = await startEmbeddedServer({ settings: { shared_buffers: '1GB' } });
try {
  await loadBaselineSchema(server.url);
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await generateDataset(client, { rows, seed: 42, shape });
    await applyToolkitMigrations(server.url);
    await client.query(SET_BASED_SQL[1]);
    await client.query('ANALYZE aibridge_token_usages');
    const { rows: size } = await client.query(`SELECT pg_relation_size('aibridge_token_usages') / 8192 AS pages`);
    const pages = Number(size[0].pages);
    const walls = new Map<string, number[]>();
    for (let rep = 0; rep < repetitions; rep++) {
      for (const [name, statementFor] of Object.entries(forms)) {
        const started = performance.now();
        for (let from = 0; from < pages; from += CHUNK_PAGES) {
          const statement = statementFor(from, Math.min(pages, from + CHUNK_PAGES));
          const settings = countChunkSettings({ by: 'page', from, to: from + CHUNK_PAGES, existedBefore: new Date() });
          await withTransaction(client, (tx) => tx.query(statement.text, statement.values), { mode: 'read-only', local: settings });
        }
        walls.set(name, [...(walls.get(name) ?? []), performance.now() - started]);
      }
    }
    console.log(
      `${shape}, ${rows.toLocaleString('en-US')} rows filled, not vacuumed, ${pages} pages; whole-table walk, ${repetitions} repetitions:`,
    );
    for (const [name, ms] of walls) console.log(`  ${name.padEnd(16)} ${ms.map((v) => v.toFixed(0)).join(', ')} ms`);
  } finally {
    await client.end();
  }
} finally {
  await server.stop();
}
