/**
 * Writing Coder's version the way Coder's runner writes it (txnmigrator.go): the table holds
 * one row, replaced by TRUNCATE then INSERT. Only ever run inside the transaction that changes
 * the columns, under Coder's migration lock.
 */
import { qualify } from '../db/identifier.js';
import type { Statement } from '../db/port.js';
import { CODER_MIGRATIONS_TABLE } from './constants.js';

/** Replaces Coder's one row with (version, false): that migration applied, clean. */
export function setVersionStatements(schema: string, version: number): Statement[] {
  const table = qualify(schema, CODER_MIGRATIONS_TABLE);
  return [
    { text: `TRUNCATE ${table}`, values: [] },
    { text: `INSERT INTO ${table} (version, dirty) VALUES ($1, false)`, values: [version] },
  ];
}
