/**
 * The shape of a migration file in migrations/. Each file default-exports a ToolkitMigration;
 * the loader (loader.ts) adapts it to node-pg-migrate, passing the names the user configured,
 * so no migration hard-codes a schema.
 */
import type { CoderSettings } from '../coder/columns-step.js';
import type { Queryable } from '../db/port.js';

export interface MigrationContext {
  /** Schema holding the application's aibridge_* tables. */
  appSchema: string;
  /** The toolkit's own schema (backfill ledger). */
  stateSchema: string;
  /**
   * `down --force-drop-data`: a down migration that would destroy values no other place
   * holds goes ahead anyway (and reports how many through `notice`). Off unless the user asks.
   */
  forceDropData?: boolean;
  /** Things a migration wants the operator to know (shown as log lines). */
  notice?: (message: string) => void;
  /** Coder's migration runner shares the schema (src/coder); absent: upstream's numbers, no report. */
  coder?: CoderSettings;
}

export interface ToolkitMigration {
  /** One line, shown by `status` and `up --dry-run`. */
  description: string;
  /** `db` runs each statement at once, inside the migration's own transaction (loader.ts). */
  up(db: Queryable, context: MigrationContext): Promise<void>;
  down(db: Queryable, context: MigrationContext): Promise<void>;
}
