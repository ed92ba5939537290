/**
 * What the toolkit reads back about a run lives in named columns of backfill_runs; `options`
 * is only the record of the settings a run was started with, for a DBA. The last piece of state
 * still read from it — whether the run's batches have a fixed size (`throttle` says so when it
 * is asked to move an aim such batches ignore) — gets its own column here. Runs recorded before
 * keep it in their options: it is moved across, so they resume with the same meaning.
 *
 * A nullable column without a default is a catalog change only (no rewrite of the ledger).
 */
import { qualify } from '../src/db/identifier.js';
import type { ToolkitMigration } from '../src/migrate/migration.js';
import { LEDGER_RUNS } from '../src/names.js';

const migration: ToolkitMigration = {
  description: "record a backfill run's fixed --batch-size in a ledger column (until now in its options)",

  async up(db, { stateSchema }) {
    const runs = qualify(stateSchema, LEDGER_RUNS);
    await db.query(`
      ALTER TABLE ${runs}
        -- The --batch-size of the process that last claimed the run (like host and pid); NULL:
        -- its batches are sized by the controller's aim (--target-batch-ms).
        ADD COLUMN fixed_batch_size integer CHECK (fixed_batch_size > 0)`);
    // Runs recorded before kept it in their options: a number, or null when not fixed.
    await db.query(`
      UPDATE ${runs}
         SET fixed_batch_size = CASE WHEN jsonb_typeof(options->'batchSize') = 'number' THEN (options->>'batchSize')::integer END,
             options = options - 'batchSize'
       WHERE options ? 'batchSize'`);
  },

  async down(db, { stateSchema }) {
    const runs = qualify(stateSchema, LEDGER_RUNS);
    // Back where the previous version reads it: every run's options say batchSize, null when not fixed.
    await db.query(`UPDATE ${runs} SET options = options || jsonb_build_object('batchSize', fixed_batch_size)`);
    await db.query(`ALTER TABLE ${runs} DROP COLUMN fixed_batch_size`);
  },
};

export default migration;
