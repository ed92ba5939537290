/**
 * Can the toolkit know a page's free space without pageinspect (a superuser's extension)? A walk
 * that makes room first (docs/benchmarks.md, fourteenth session) needs it to choose how many rows
 * must leave each page. This compares, page by page, the free space pageinspect reads
 * (pd_upper - pd_lower) with an estimate from what any role's SQL can see: 8192 - 24 (page
 * header) - 4 per line pointer (the highest offset in use) - each row's MAXALIGNed
 * pg_column_size(t.*). The rows are written before `up`, as in production: their whole-row datum
 * carries the two added columns (16 bytes) that the stored tuple lacks, so the estimate is given
 * with and without them.
 *
 *   npx tsx bench/room-estimate-check.ts [--rows 20000]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DATASET_SHAPES, generateDataset } from '../fixtures/generator.js';
import { startEmbeddedServer } from '../test/harness/embedded-server.js';
import { loadBaselineSchema, withDatabase } from '../test/harness/template.js';
import { applyToolkitMigrations } from '../test/harness/toolkit-schema.js';
import { withClient } from './dataset.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '20000' } } });

const COMPARE = `
  WITH truth AS (
    SELECT p, h.upper - h.lower AS free
      FROM generate_series(0, pg_relation_size('aibridge_token_usages') / 8192 - 1) AS p,
           page_header(get_raw_page('aibridge_token_usages', p::bigint)) AS h
  ), est AS (
    SELECT ((t.ctid::text)::point)[0]::bigint AS p,
           8192 - 24 - 4 * max(((t.ctid::text)::point)[1]::int) - sum((pg_column_size(t.*) + 7) / 8 * 8) AS whole_row,
           8192 - 24 - 4 * max(((t.ctid::text)::point)[1]::int) - sum((pg_column_size(t.*) - 16 + 7) / 8 * 8) AS stored
      FROM aibridge_token_usages AS t GROUP BY 1
  )
  SELECT count(*) AS pages, avg(t.free)::numeric(10, 1) AS mean_free,
         avg(abs(e.whole_row - t.free))::numeric(10, 1) AS whole_row_mean_error, max(abs(e.whole_row - t.free)) AS whole_row_max_error,
         avg(abs(e.stored - t.free))::numeric(10, 1) AS stored_mean_error, max(abs(e.stored - t.free)) AS stored_max_error,
         avg(e.stored - t.free)::numeric(10, 1) AS stored_mean_bias
    FROM truth AS t JOIN est AS e USING (p)`;

const server = await startEmbeddedServer({ major: 15, fast: true });
try {
  for (const shape of DATASET_SHAPES) {
    await withClient(server.url, (c) => c.query(`CREATE DATABASE estimate_${shape}`));
    const url = withDatabase(server.url, `estimate_${shape}`);
    await loadBaselineSchema(url);
    await withClient(url, async (c: pg.ClientBase) => {
      await generateDataset(c, { rows: Number(args.rows), seed: 5, shape });
      await c.query('VACUUM ANALYZE aibridge_token_usages');
    });
    await applyToolkitMigrations(url);
    const result = await withClient(url, async (c: pg.ClientBase) => {
      await c.query('CREATE EXTENSION pageinspect');
      return (await c.query(COMPARE)).rows[0];
    });
    console.log(`${shape}, ${args.rows} rows written before up (bytes a page):`, result);
  }
} finally {
  await server.stop();
}
