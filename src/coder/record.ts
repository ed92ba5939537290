/**
 * The toolkit's durable record that IT recorded Coder's columns migration as applied (the
 * hand-over), so that `down` can tell a hand-over from Coder's own migration and give the
 * version back only in the first case.
 *
 * The record is the comment on cache_read_input_tokens. Why there, and not in the toolkit's
 * own schema:
 * - it is written by COMMENT ON COLUMN in the columns migration's own transaction, together
 *   with the ALTER and Coder's version row, so all three commit or none does;
 * - it lives exactly as long as the columns: when Coder itself reverts its migration (drops the
 *   columns) the record goes with them, and a later Coder migration that adds the columns again
 *   leaves no stale claim behind — the columns are then Coder's, which is the truth;
 * - the state schema is created by the ledger migration, which runs after this one and whose
 *   `down` drops that schema RESTRICT: a record kept there would either not exist yet or make
 *   that `down` fail;
 * - it needs no privilege beyond the table ownership the ALTER already needs, and a DBA sees it
 *   in `\d+ aibridge_token_usages`.
 * Upstream migration 461 sets no comment on these columns, so Coder's own columns carry none.
 */
import { constantLiteral } from '../db/literal.js';
import { qualify, quoteIdent } from '../db/identifier.js';
import { READ_COLUMN } from '../names.js';

/** The column that carries the record. */
export const RECORD_COLUMN = READ_COLUMN;

const MARKER = /^aibridge-migrate handed over Coder migration (\d+)\b/;

/** The comment text; only integers enter it, and they come from the validated setting. */
export function recordText(migration: number): string {
  return `aibridge-migrate handed over Coder migration ${migration}: it added these columns and recorded ${migration} as applied in Coder's schema_migrations (from ${migration - 1}); aibridge-migrate down hands the version back`;
}

/** The Coder migration a column comment says the toolkit handed over, or null for any other comment. */
export function parseRecord(comment: string | null): number | null {
  const match = comment === null ? null : MARKER.exec(comment);
  return match ? Number(match[1]) : null;
}

/**
 * COMMENT ON cannot take a bound parameter (it is a utility statement), so the text is a
 * literal built by the toolkit from an integer, quoted by the one literal helper.
 */
export function recordStatement(appSchema: string, table: string, migration: number): string {
  return `COMMENT ON COLUMN ${qualify(appSchema, table)}.${quoteIdent(RECORD_COLUMN)} IS ${constantLiteral(recordText(migration))}`;
}
