/**
 * (a) The upstream project's migration: the ALTER and one UPDATE of every row with non-NULL
 * metadata whose two new columns are still 0, casting each key's text to bigint, all in one
 * transaction (node-pg-migrate ran every pending migration in one).
 */
import { quoteIdent } from '../../src/db/identifier.js';
import { upstreamSql } from '../../src/rule/upstream.js';
import { APP_SCHEMA, TABLE } from '../dataset.js';
import { runSqlStep } from './sql-step.js';
import type { Contender } from './step.js';

const T = `${quoteIdent(APP_SCHEMA)}.${quoteIdent(TABLE)}`;
const upstream = upstreamSql(`${quoteIdent('t')}.${quoteIdent('metadata')}`);

export const UPSTREAM_SQL = [
  `ALTER TABLE ${T} ADD COLUMN cache_read_input_tokens bigint NOT NULL DEFAULT 0, ADD COLUMN cache_write_input_tokens bigint NOT NULL DEFAULT 0`,
  `UPDATE ${T} AS t SET cache_read_input_tokens = ${upstream.cacheRead}, cache_write_input_tokens = ${upstream.cacheWrite}
    WHERE t.metadata IS NOT NULL AND t.cache_read_input_tokens = 0 AND t.cache_write_input_tokens = 0`,
] as const;

export const upstreamContender: Contender = async (context) => [
  await runSqlStep('upstream transaction', context, async (client) => {
    await client.query('BEGIN');
    for (const statement of UPSTREAM_SQL) await client.query(statement);
    await client.query('COMMIT');
  }),
];
