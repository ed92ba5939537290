/**
 * What a bundle (the package's dist/cli.mjs, the release's aibridge-migrate.mjs, the single
 * executable) carries inside itself instead of reading it from disk next to the code: the package
 * version, the versions of the libraries bundled in, and the migrations.
 *
 * null here, in the source tree and in dist/src (the package's library), which read package.json,
 * node_modules and the migrations/ folder. scripts/release/bundle.ts replaces this module in the
 * bundle with one it generates from package.json, the installed libraries and every file in
 * migrations/, so a migration added there is in the next release without being listed anywhere.
 */
export interface Embedded {
  version: string;
  /**
   * The versions of the libraries bundled in (cli/version.ts, REPORTED_DEPENDENCIES): the
   * bundle runs these, whatever versions are installed beside it.
   */
  dependencies: Readonly<Record<string, string | null>>;
  /**
   * In file-name order, named as the migrations table records them. Each is a migration file's
   * default export, checked by the loader (src/migrate/loader.ts) as a file's is: this module
   * sits below src/migrate, which defines their shape.
   */
  migrations: readonly { name: string; migration: unknown }[];
}

export const EMBEDDED: Embedded | null = null;
