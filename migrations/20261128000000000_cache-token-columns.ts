/**
 * Adds cache_read_input_tokens and cache_write_input_tokens (BIGINT NOT NULL DEFAULT 0).
 *
 * Since PostgreSQL 11 a constant default is stored in the catalog (pg_attribute.atthasmissing),
 * so this ALTER rewrites nothing — but it still takes an ACCESS EXCLUSIVE lock, and while it
 * waits for that lock every later query on the table queues behind it. The runner therefore
 * sets a short lock_timeout and retries; this file only has to be correct and idempotent.
 */
import { PreflightError } from '../src/errors.js';
import { qualify, quoteIdent } from '../src/db/identifier.js';
import type { ToolkitMigration } from '../src/migrate/migration.js';

export const CACHE_COLUMNS = ['cache_read_input_tokens', 'cache_write_input_tokens'] as const;

interface ColumnRow {
  column_name: string;
  data_type: string;
  not_null: boolean;
  default_expr: string | null;
}

const migration: ToolkitMigration = {
  description: 'add cache_read_input_tokens and cache_write_input_tokens to aibridge_token_usages',

  async up(db, { appSchema }) {
    const table = qualify(appSchema, 'aibridge_token_usages');
    const { rows } = await db.query<ColumnRow>(
      `SELECT a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS data_type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS default_expr
         FROM pg_attribute a
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = to_regclass($1) AND a.attname = ANY($2) AND NOT a.attisdropped`,
      [table, CACHE_COLUMNS],
    );
    // The application may have added the columns itself; accept them only if identical.
    for (const row of rows) {
      const problems: string[] = [];
      if (row.data_type !== 'bigint') problems.push(`type is ${row.data_type}, expected bigint`);
      if (!row.not_null) problems.push('it allows NULL, expected NOT NULL');
      if (row.default_expr === null || !/^'?0'?(::bigint)?$/.test(row.default_expr)) {
        problems.push(`default is ${row.default_expr ?? 'none'}, expected 0`);
      }
      if (problems.length > 0) {
        throw new PreflightError(
          `column ${row.column_name} already exists on ${table} with a different definition: ${problems.join('; ')}`,
          { hint: `Alter it to BIGINT NOT NULL DEFAULT 0 by hand (or drop it if it holds nothing), then run up again.` },
        );
      }
    }
    const missing = CACHE_COLUMNS.filter((name) => !rows.some((row) => row.column_name === name));
    if (missing.length === 0) return;
    await db.query(
      `ALTER TABLE ${table} ${missing.map((name) => `ADD COLUMN IF NOT EXISTS ${quoteIdent(name)} bigint NOT NULL DEFAULT 0`).join(', ')}`,
    );
  },

  async down(db, { appSchema }) {
    const table = qualify(appSchema, 'aibridge_token_usages');
    await db.query(`ALTER TABLE ${table} ${CACHE_COLUMNS.map((name) => `DROP COLUMN IF EXISTS ${quoteIdent(name)}`).join(', ')}`);
  },
};

export default migration;
