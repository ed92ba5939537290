/**
 * What a release bundle (aibridge-migrate.mjs, the single executable) carries inside itself
 * instead of reading it from disk next to the code: the package version and the migrations.
 *
 * null here, in the source tree and in the npm package, which read package.json and the
 * migrations/ folder. scripts/release/bundle.ts replaces this module in the bundle with one it
 * generates from package.json and every file in migrations/, so a migration added there is in
 * the next release without being listed anywhere.
 */
import type { ToolkitMigration } from './migrate/migration.js';

export interface Embedded {
  version: string;
  /** In file-name order, named as the migrations table records them. */
  migrations: readonly { name: string; migration: ToolkitMigration }[];
}

export const EMBEDDED: Embedded | null = null;
