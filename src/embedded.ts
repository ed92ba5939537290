/**
 * What a release bundle (aibridge-migrate.mjs, the single executable) carries inside itself
 * instead of reading it from disk next to the code: the package version and the migrations.
 *
 * null here, in the source tree and in the npm package, which read package.json and the
 * migrations/ folder. scripts/release/bundle.ts replaces this module in the bundle with one it
 * generates from package.json and every file in migrations/, so a migration added there is in
 * the next release without being listed anywhere.
 */
export interface Embedded {
  version: string;
  /**
   * In file-name order, named as the migrations table records them. Each is a migration file's
   * default export, checked by the loader (src/migrate/loader.ts) as a file's is: this module
   * sits below src/migrate, which defines their shape.
   */
  migrations: readonly { name: string; migration: unknown }[];
}

export const EMBEDDED: Embedded | null = null;
