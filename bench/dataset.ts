/**
 * The data every contender starts from: one template database holding the baseline schema
 * and N generated rows, frozen in a checkpointed state, and a clone of it per contender
 * (`CREATE DATABASE … TEMPLATE`), so each begins from byte-identical tables.
 */
import { generateDataset, type DatasetShape } from '../fixtures/generator.js';
import { quoteIdent } from '../src/db/identifier.js';
import { loadBaselineSchema, withDatabase } from '../test/harness/template.js';
import { withClient } from '../test/harness/client.js';

export const APP_SCHEMA = 'public';
export const TABLE = 'aibridge_token_usages';

export interface Dataset {
  /** Name of the template database. */
  template: string;
  rows: number;
  /** Heap and index bytes of the table before any change. */
  heapBytes: number;
  indexBytes: number;
  heapPages: number;
  /** Rows with non-NULL metadata (what the upstream UPDATE touches). */
  rowsWithMetadata: number;
  generateMs: number;
}

export { withClient };

export async function createDataset(
  adminUrl: string,
  options: { name: string; rows: number; seed: number; shape: DatasetShape },
): Promise<Dataset> {
  const started = performance.now();
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(options.name)}`));
  const url = withDatabase(adminUrl, options.name);
  await loadBaselineSchema(url, APP_SCHEMA);
  const facts = await withClient(url, async (client) => {
    await generateDataset(client, { rows: options.rows, seed: options.seed, schema: APP_SCHEMA, shape: options.shape });
    // Hint bits and visibility map set, statistics current: every clone starts as a table
    // that has lived for a while, not one written a second ago (whose first reader would
    // pay for setting hint bits).
    await client.query('VACUUM ANALYZE');
    const { rows } = await client.query<{ heap: string; idx: string; pages: string; with_metadata: string }>(
      `SELECT pg_relation_size(c.oid) AS heap, pg_indexes_size(c.oid) AS idx,
              pg_relation_size(c.oid) / current_setting('block_size')::bigint AS pages,
              (SELECT count(*) FROM ${quoteIdent(APP_SCHEMA)}.${quoteIdent(TABLE)} WHERE metadata IS NOT NULL) AS with_metadata
         FROM pg_class c WHERE c.oid = to_regclass($1)`,
      [`${quoteIdent(APP_SCHEMA)}.${quoteIdent(TABLE)}`],
    );
    return rows[0]!;
  });
  await withClient(adminUrl, (c) => c.query('CHECKPOINT'));
  return {
    template: options.name,
    rows: options.rows,
    heapBytes: Number(facts.heap),
    indexBytes: Number(facts.idx),
    heapPages: Number(facts.pages),
    rowsWithMetadata: Number(facts.with_metadata),
    generateMs: performance.now() - started,
  };
}

export interface Clone {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * FILE_COPY (PG 15+; the only strategy before) copies the files after a checkpoint instead of
 * WAL-logging every block (15's default): the copy then leaves neither hundreds of MB of WAL
 * nor dirty shared buffers for the contender to pay for.
 */
export async function cloneDatabase(adminUrl: string, template: string, name: string, serverVersionNum: number): Promise<Clone> {
  const strategy = serverVersionNum >= 150000 ? ' STRATEGY = FILE_COPY' : '';
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}${strategy}`));
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () => dropDatabase(adminUrl, name),
  };
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

export async function checkpoint(adminUrl: string): Promise<void> {
  await withClient(adminUrl, (c) => c.query('CHECKPOINT'));
}
