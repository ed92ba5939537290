/**
 * What a running backfill is waiting for, so `status` can say it: the gate (src/backfill/run/
 * gate.ts) writes these columns when the run pauses for a health reason (a lagging standby,
 * sessions waiting on its locks) and clears them when it goes on. Named columns, not a JSON
 * document: status --json passes them on as they are, and a DBA can read them with psql.
 *
 * Adding nullable columns without a default is a catalog change only (no rewrite); the ALTER's
 * brief ACCESS EXCLUSIVE lock on the ledger waits for a batch in flight like any other lock,
 * bounded by `up`'s --lock-timeout.
 */
import { qualify } from '../src/db/identifier.js';
import type { ToolkitMigration } from '../src/migrate/migration.js';
import { LEDGER_RUNS } from '../src/names.js';

const migration: ToolkitMigration = {
  description: 'record in the backfill ledger what a running backfill is waiting for (status shows it)',

  async up(db, { stateSchema }) {
    await db.query(`
      ALTER TABLE ${qualify(stateSchema, LEDGER_RUNS)}
        -- 'replication_lag' | 'blocked_sessions'; NULL while the run is not waiting. No CHECK:
        -- the causes belong to the throttle, which may learn new ones without a migration.
        ADD COLUMN waiting_cause text,
        -- The pause's reason for people, as the progress line printed it.
        ADD COLUMN waiting_detail text,
        -- When this wait (this cause) began: kept while the measurement is refreshed.
        ADD COLUMN waiting_since timestamptz,
        -- replication_lag: the standby waited for (its application_name) and its lag as measured.
        ADD COLUMN waiting_standby text,
        ADD COLUMN waiting_replay_lag_ms bigint,
        ADD COLUMN waiting_lag_bytes bigint,
        ADD COLUMN waiting_measured_at timestamptz`);
  },

  async down(db, { stateSchema }) {
    await db.query(`
      ALTER TABLE ${qualify(stateSchema, LEDGER_RUNS)}
        DROP COLUMN waiting_cause, DROP COLUMN waiting_detail, DROP COLUMN waiting_since, DROP COLUMN waiting_standby,
        DROP COLUMN waiting_replay_lag_ms, DROP COLUMN waiting_lag_bytes, DROP COLUMN waiting_measured_at`);
  },
};

export default migration;
