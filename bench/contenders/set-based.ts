/**
 * (c) The set-based floor: the ALTER, then one UPDATE that writes only the rows whose values
 * change under this toolkit's rule (never a non-default column, never a row whose result is
 * 0/0 anyway). Not a safe way to run it on a live table — one statement, one long
 * transaction — but the least work any method can do, so it bounds what batching can reach.
 */
import { quoteIdent } from '../../src/db/identifier.js';
import { compileRuleSql } from '../../src/rule/sql.js';
import { APP_SCHEMA, TABLE } from '../dataset.js';
import { runSqlStep } from './sql-step.js';
import type { Contender } from './step.js';

const T = `${quoteIdent(APP_SCHEMA)}.${quoteIdent(TABLE)}`;
const rule = compileRuleSql(`${quoteIdent('t')}.${quoteIdent('metadata')}`);

export const SET_BASED_SQL = [
  `ALTER TABLE ${T} ADD COLUMN IF NOT EXISTS cache_read_input_tokens bigint NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS cache_write_input_tokens bigint NOT NULL DEFAULT 0`,
  `UPDATE ${T} AS t SET cache_read_input_tokens = ${rule.cacheRead}, cache_write_input_tokens = ${rule.cacheWrite}
    WHERE t.metadata IS NOT NULL AND t.cache_read_input_tokens = 0 AND t.cache_write_input_tokens = 0
      AND (${rule.cacheRead} <> 0 OR ${rule.cacheWrite} <> 0)`,
] as const;

export const setBasedContender: Contender = async (context) => [
  // Two autocommit statements: the ALTER's ACCESS EXCLUSIVE lock is not held during the UPDATE.
  await runSqlStep('set-based update', context, async (client) => {
    for (const statement of SET_BASED_SQL) await client.query(statement);
  }),
];
