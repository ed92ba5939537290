/**
 * Adds cache_read_input_tokens and cache_write_input_tokens (BIGINT NOT NULL DEFAULT 0).
 *
 * Since PostgreSQL 11 a constant default is stored in the catalog (pg_attribute.atthasmissing),
 * so this ALTER rewrites nothing — but it still takes an ACCESS EXCLUSIVE lock, and while it
 * waits for that lock every later query on the table queues behind it. The runner therefore
 * sets a short lock_timeout and retries; this file only has to be correct and idempotent.
 *
 * Coder's own runner adds the same columns in its migration 461. When Coder's schema_migrations
 * is there, both directions first take Coder's migration lock and decide from Coder's version
 * (src/coder/columns-step.ts): up records 461 as applied in this same transaction (hand-over),
 * or only checks columns Coder already added; down gives the version back, or refuses.
 */
import { coderColumnsDown, coderColumnsUp } from '../src/coder/columns-step.js';
import { DownRefusedError, PreflightError } from '../src/errors.js';
import { qualify, quoteIdent } from '../src/db/identifier.js';
import { compileRuleSql } from '../src/rule/sql.js';
import type { ToolkitMigration } from '../src/migrate/migration.js';
import { CACHE_COLUMNS, READ_COLUMN, TOKEN_USAGES, WRITE_COLUMN } from '../src/names.js';

interface ColumnRow {
  column_name: string;
  data_type: string;
  not_null: boolean;
  default_expr: string | null;
}

const migration: ToolkitMigration = {
  description: 'add cache_read_input_tokens and cache_write_input_tokens to aibridge_token_usages',

  async up(db, { appSchema, coder: coderSettings }) {
    const coder = await coderColumnsUp(db, appSchema, coderSettings);
    const table = qualify(appSchema, TOKEN_USAGES);
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
    // Coder's own columns (coder_owns: both present, checked above) are never altered here.
    if (missing.length > 0 && coder.decision.action !== 'coder_owns') {
      await db.query(
        `ALTER TABLE ${table} ${missing.map((name) => `ADD COLUMN IF NOT EXISTS ${quoteIdent(name)} bigint NOT NULL DEFAULT 0`).join(', ')}`,
      );
    }
    await coder.finish();
  },

  /**
   * Drops the columns, unless a row holds a value there that its metadata does not carry:
   * rows the application wrote after the switch (columns set, no metadata keys). Dropping
   * would destroy those counts for good, so down refuses unless forced.
   *
   * The check and the DROP share this migration's transaction. SHARE mode blocks writes (not
   * reads) while the count runs, so no such row can appear between the count and the DROP;
   * the DROP then upgrades to ACCESS EXCLUSIVE only for the catalog change. Both lock requests
   * are bounded by the session's lock_timeout.
   *
   * Coder's verdict comes first (it may refuse: the columns are Coder's), then this guard, then
   * the DROP, then Coder's version is handed back — all in this one transaction.
   */
  async down(db, { appSchema, forceDropData, notice, coder: coderSettings }) {
    const coder = await coderColumnsDown(db, appSchema, coderSettings);
    const table = qualify(appSchema, TOKEN_USAGES);
    const { rows: present } = await db.query<{ column_name: string }>(
      `SELECT a.attname AS column_name FROM pg_attribute a
        WHERE a.attrelid = to_regclass($1) AND a.attname = ANY($2) AND a.attnum > 0 AND NOT a.attisdropped`,
      [table, CACHE_COLUMNS],
    );
    if (present.length === 0) return coder.finish();
    await db.query(`LOCK TABLE ${table} IN SHARE MODE`);
    const rule = compileRuleSql(`${quoteIdent('t')}.${quoteIdent('metadata')}`);
    const has = (name: string) => present.some((row) => row.column_name === name);
    const column = (name: string) => `${quoteIdent('t')}.${quoteIdent(name)}`;
    const uncarried = [
      has(READ_COLUMN) ? `(${column(READ_COLUMN)} <> 0 AND ${column(READ_COLUMN)} <> ${rule.cacheRead})` : null,
      has(WRITE_COLUMN) ? `(${column(WRITE_COLUMN)} <> 0 AND ${column(WRITE_COLUMN)} <> ${rule.cacheWrite})` : null,
    ].filter((c): c is string => c !== null);
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${table} AS ${quoteIdent('t')} WHERE ${uncarried.join(' OR ')}`,
    );
    const blocking = BigInt(rows[0]?.n ?? '0');
    if (blocking > 0n && !forceDropData) {
      throw new DownRefusedError(
        `down refused: ${blocking} row(s) of ${table} hold cache token values in cache_read_input_tokens / cache_write_input_tokens that their metadata does not carry (written by the application after the switch). Dropping the columns would destroy them, so nothing was changed.`,
        {
          hint: 'Preserve them first: run `aibridge-migrate backfill --reverse` (copies the column values back into metadata), then run down again. Only if those values are disposable: `aibridge-migrate down --force-drop-data`.',
          details: { rows_blocking: Number(blocking) },
        },
      );
    }
    await db.query(`ALTER TABLE ${table} ${present.map((row) => `DROP COLUMN IF EXISTS ${quoteIdent(row.column_name)}`).join(', ')}`);
    if (blocking > 0n) notice?.(`--force-drop-data: dropped the cache token values of ${blocking} row(s) that existed nowhere else`);
    await coder.finish();
  },
};

export default migration;
