/**
 * The backfill's ledger, in the toolkit's own schema: one row per run, one row per key range
 * of a run. A batch's update and its range's checkpoint commit in one transaction, so the
 * ledger never claims work the table does not hold, nor misses work it does.
 */
import { qualify, quoteIdent } from '../src/db/identifier.js';
import type { ToolkitMigration } from '../src/migrate/migration.js';
import { LEDGER_RANGES, LEDGER_RUNS } from '../src/names.js';

const migration: ToolkitMigration = {
  description: 'create the backfill ledger (runs and key-range checkpoints)',

  async up(db, { stateSchema }) {
    const runs = qualify(stateSchema, LEDGER_RUNS);
    const ranges = qualify(stateSchema, LEDGER_RANGES);
    await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(stateSchema)}`);
    await db.query(`
      CREATE TABLE ${runs} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        direction text NOT NULL CHECK (direction IN ('forward', 'reverse')),
        -- running: a runner holds (or held, until it died) the runner lock; interrupted / failed:
        -- resumable; completed: done; abandoned: replaced by a fresh run (--restart).
        status text NOT NULL CHECK (status IN ('running', 'interrupted', 'failed', 'completed', 'abandoned')),
        rule_fingerprint text NOT NULL,
        target_schema text NOT NULL,
        target_table text NOT NULL,
        options jsonb NOT NULL DEFAULT '{}',
        host text,
        pid integer,
        started_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        -- What the table looked like when the run began: lets verify explain rows added since.
        table_rows_at_start bigint,
        max_created_at_at_start timestamptz,
        rows_estimated bigint,
        rows_scanned bigint NOT NULL DEFAULT 0,
        rows_updated bigint NOT NULL DEFAULT 0,
        rows_application_written bigint NOT NULL DEFAULT 0,
        -- {"not_a_number": 3, "negative": 1, ...}
        anomalies jsonb NOT NULL DEFAULT '{}',
        batches bigint NOT NULL DEFAULT 0,
        busy_ms bigint NOT NULL DEFAULT 0,
        longest_batch_ms integer NOT NULL DEFAULT 0,
        convergence_passes integer NOT NULL DEFAULT 0,
        unconverged_rows bigint,
        -- Reverse runs: rows that need reversing but were left alone (see src/backfill/sql/reverse.ts).
        unreversible_rows bigint,
        last_error text
      )`);
    // At most one unfinished run per table and direction: resuming is unambiguous.
    await db.query(`
      CREATE UNIQUE INDEX backfill_runs_one_open
        ON ${runs} (target_schema, target_table, direction)
        WHERE status IN ('running', 'interrupted', 'failed')`);
    await db.query(`
      CREATE TABLE ${ranges} (
        run_id bigint NOT NULL REFERENCES ${runs} (id) ON DELETE CASCADE,
        range_no integer NOT NULL,
        -- 0 = the keyed pass; 1, 2, … = convergence sweeps over the whole key space.
        pass integer NOT NULL DEFAULT 0,
        -- Keys in (lo, hi]; NULL lo = from the first key, NULL hi = through the last.
        lo uuid,
        hi uuid,
        -- Last key fully processed; NULL = nothing yet. Resume continues after it.
        checkpoint uuid,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
        rows_scanned bigint NOT NULL DEFAULT 0,
        rows_updated bigint NOT NULL DEFAULT 0,
        rows_application_written bigint NOT NULL DEFAULT 0,
        anomalies jsonb NOT NULL DEFAULT '{}',
        batches bigint NOT NULL DEFAULT 0,
        busy_ms bigint NOT NULL DEFAULT 0,
        longest_batch_ms integer NOT NULL DEFAULT 0,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- Who last claimed the range (--workers): "host pid worker". Informational; ownership
        -- itself is a session advisory lock, which dies with its session.
        claimed_by text,
        claimed_at timestamptz,
        PRIMARY KEY (run_id, range_no)
      )`);
  },

  async down(db, { stateSchema }) {
    await db.query(`DROP TABLE IF EXISTS ${qualify(stateSchema, LEDGER_RANGES)}, ${qualify(stateSchema, LEDGER_RUNS)}`);
    // RESTRICT (the default): a schema someone else put objects in is left alone.
    await db.query(`DROP SCHEMA IF EXISTS ${quoteIdent(stateSchema)}`);
  },
};

export default migration;
