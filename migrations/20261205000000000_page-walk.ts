/**
 * The backfill's walk in physical order (PostgreSQL 14 and newer): a run records which walk it
 * uses, and a range of a page walk records its heap pages and how far it got, in columns of
 * their own. Runs and ranges recorded before this migration walk keys, and keep doing so when
 * they are resumed.
 */
import { qualify } from '../src/db/identifier.js';
import type { ToolkitMigration } from '../src/migrate/migration.js';
import { LEDGER_MOVED_ROWS, LEDGER_RANGES, LEDGER_RUNS } from '../src/names.js';

const migration: ToolkitMigration = {
  description: 'record the backfill walk (key or page order) and page ranges in the ledger',

  async up(db, { stateSchema }) {
    const runs = qualify(stateSchema, LEDGER_RUNS);
    const ranges = qualify(stateSchema, LEDGER_RANGES);
    await db.query(`
      ALTER TABLE ${runs}
        -- key: primary-key order (PostgreSQL 13, and runs begun before this migration);
        -- page: heap pages in physical order, a window at a time.
        ADD COLUMN walk text NOT NULL DEFAULT 'key' CHECK (walk IN ('key', 'page')),
        -- Which walk counts table_rows_at_start: the first pass, batch by batch, or the count
        -- a run starts with when it follows a completed run. NULL: neither (older runs).
        ADD COLUMN rows_at_start_from text CHECK (rows_at_start_from IN ('first pass', 'first count'))`);
    // Runs recorded before kept this in their options.
    await db.query(`
      UPDATE ${runs}
         SET rows_at_start_from = CASE options->>'rowsAtStartFrom' WHEN 'keyed pass' THEN 'first pass' WHEN 'first count' THEN 'first count' END,
             options = options - 'rowsAtStartFrom'
       WHERE options ? 'rowsAtStartFrom'`);
    await db.query(`
      ALTER TABLE ${ranges}
        -- A page range covers heap pages [first_page, end_page), planned from the heap's size
        -- when its pass began.
        ADD COLUMN first_page bigint,
        ADD COLUMN end_page bigint,
        -- Pages before next_page are done. Pages [next_page, counted_to_page) have been read and
        -- counted, and their rows are being written: a resumed range reads them again to find
        -- what is left to write, without counting them twice.
        ADD COLUMN next_page bigint,
        ADD COLUMN counted_to_page bigint,
        ADD CONSTRAINT backfill_ranges_pages CHECK (
          (first_page IS NULL AND end_page IS NULL AND next_page IS NULL AND counted_to_page IS NULL)
          OR (first_page IS NOT NULL AND end_page >= first_page AND next_page >= first_page AND counted_to_page >= next_page))`);
    // A row a round moves (an update that did not fit on its page) to a page of the pass not
    // counted yet would be counted twice; its new address is kept here, in the round's own
    // transaction, so the judge of that page leaves it out. Emptied when the pass ends.
    await db.query(`
      CREATE TABLE ${qualify(stateSchema, LEDGER_MOVED_ROWS)} (
        run_id bigint NOT NULL REFERENCES ${runs} (id) ON DELETE CASCADE,
        pass integer NOT NULL,
        row_address tid NOT NULL,
        PRIMARY KEY (run_id, pass, row_address)
      )`);
  },

  async down(db, { stateSchema }) {
    const runs = qualify(stateSchema, LEDGER_RUNS);
    const ranges = qualify(stateSchema, LEDGER_RANGES);
    await db.query(`DROP TABLE ${qualify(stateSchema, LEDGER_MOVED_ROWS)}`);
    await db.query(`
      ALTER TABLE ${ranges} DROP CONSTRAINT backfill_ranges_pages,
        DROP COLUMN first_page, DROP COLUMN end_page, DROP COLUMN next_page, DROP COLUMN counted_to_page`);
    await db.query(`
      UPDATE ${runs}
         SET options = options || jsonb_build_object('rowsAtStartFrom', CASE rows_at_start_from WHEN 'first pass' THEN 'keyed pass' ELSE rows_at_start_from END)
       WHERE rows_at_start_from IS NOT NULL`);
    await db.query(`ALTER TABLE ${runs} DROP COLUMN walk, DROP COLUMN rows_at_start_from`);
  },
};

export default migration;
