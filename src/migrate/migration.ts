/**
 * The shape of a migration file in migrations/. Each file default-exports a ToolkitMigration;
 * the loader (loader.ts) adapts it to node-pg-migrate, passing the names the user configured,
 * so no migration hard-codes a schema.
 */

export interface MigrationContext {
  /** Schema holding the application's aibridge_* tables. */
  appSchema: string;
  /** The toolkit's own schema (backfill ledger). */
  stateSchema: string;
}

/** Runs a statement immediately, inside the migration's own transaction. */
export interface MigrationSession {
  query<R = any>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface ToolkitMigration {
  /** One line, shown by `status` and `up --dry-run`. */
  description: string;
  up(db: MigrationSession, context: MigrationContext): Promise<void>;
  down(db: MigrationSession, context: MigrationContext): Promise<void>;
}
