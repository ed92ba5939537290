/**
 * Writing Coder's version the way Coder's runner writes it (txnmigrator.go): the table holds
 * one row, replaced by TRUNCATE then INSERT. Only ever run inside the transaction that changes
 * the columns, under Coder's migration lock.
 */
import { identifier, sql, type Statement } from '../db/sql.js';
import { CODER_MIGRATIONS_TABLE } from './constants.js';

/** Replaces Coder's one row with (version, false): that migration applied, clean. */
export function setVersionStatements(schema: string, version: number): Statement[] {
  const table = sql`${identifier(schema)}.${identifier(CODER_MIGRATIONS_TABLE)}`;
  return [sql`TRUNCATE ${table}`, sql`INSERT INTO ${table} (version, dirty) VALUES (${version}, false)`];
}
