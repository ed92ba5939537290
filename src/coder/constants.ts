/**
 * Facts about Coder's own migration runner that this toolkit coexists with. They come from
 * Coder's source tree, coderd/database/migrations: migrate.go and txnmigrator.go (the runner,
 * its lock and its bookkeeping) and the numbered .up.sql files (the migration numbers).
 */

/**
 * Upstream migration 461 adds cache_read_input_tokens and cache_write_input_tokens (plain ADD
 * COLUMN, no IF NOT EXISTS, then one UPDATE with ::bigint casts). A Coder fork that renumbered
 * it passes --coder-migration; everything else follows from that number.
 */
export const CODER_COLUMNS_MIGRATION = 461;

/** The last upstream migration before the change: a Coder at this version is "just before". */
export const CODER_MIGRATION_BEFORE = CODER_COLUMNS_MIGRATION - 1;

/**
 * Coder's runner takes pg_advisory_xact_lock with this key inside the one transaction that
 * applies every pending migration (migrate.go). It exceeds 2^53, so it stays a bigint in
 * JavaScript and reaches SQL as text cast to bigint.
 */
export const CODER_MIGRATION_LOCK_KEY = 1_037_453_835_920_848_937n;

/** Coder's bookkeeping table (golang-migrate's name), in the schema of the aibridge tables. */
export const CODER_MIGRATIONS_TABLE = 'schema_migrations';

/** The Coder migration numbers `--coder-migration N` stands for: N itself and the one before it. */
export interface CoderNumbers {
  /** Coder's migration that adds the cache token columns. */
  migration: number;
  /** The last Coder migration before it. */
  before: number;
}

export function coderNumbers(migration: number = CODER_COLUMNS_MIGRATION): CoderNumbers {
  return { migration, before: migration - 1 };
}
