/**
 * Operating a run from anywhere: the run's control state and its throttle overrides as named
 * columns of backfill_runs (every lane of every process reads them before each batch), a log
 * of who changed them, and a `progress` view for dashboards that read PostgreSQL directly.
 */
import { qualify, quoteIdent } from '../src/db/identifier.js';
import type { ToolkitMigration } from '../src/migrate/migration.js';
import { LEDGER_CONTROL_LOG, LEDGER_RANGES, LEDGER_RUNS, PROGRESS_VIEW } from '../src/names.js';

const migration: ToolkitMigration = {
  description: 'backfill control (pause, resume, cancel, throttle), its log, and the progress view',

  async up(db, { stateSchema }) {
    const runs = qualify(stateSchema, LEDGER_RUNS);
    const ranges = qualify(stateSchema, LEDGER_RANGES);
    const log = qualify(stateSchema, LEDGER_CONTROL_LOG);
    const view = qualify(stateSchema, PROGRESS_VIEW);
    // A constant default: catalog-only since PostgreSQL 11, no rewrite of the ledger.
    await db.query(`
      ALTER TABLE ${runs}
        -- running: lanes work; paused: lanes hold before their next batch; cancel_requested:
        -- lanes stop after their current batch (cleared by the next backfill that starts).
        ADD COLUMN control_state text NOT NULL DEFAULT 'running'
          CHECK (control_state IN ('running', 'paused', 'cancel_requested')),
        -- Overrides set by \`throttle\`; NULL = the value the process was started with.
        ADD COLUMN max_rows_per_second bigint CHECK (max_rows_per_second > 0),
        ADD COLUMN target_batch_ms integer CHECK (target_batch_ms > 0),
        ADD COLUMN control_changed_at timestamptz`);
    await db.query(`
      CREATE TABLE ${log} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id bigint NOT NULL REFERENCES ${runs} (id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT now(),
        -- Who: the database role, and where the issuing process says it runs.
        role text NOT NULL DEFAULT current_user,
        host text,
        pid integer,
        client_addr inet DEFAULT inet_client_addr(),
        command text NOT NULL CHECK (command IN ('pause', 'resume', 'cancel', 'throttle', 'cancel_cleared')),
        control_state text NOT NULL,
        max_rows_per_second bigint,
        target_batch_ms integer
      )`);
    await db.query(`CREATE INDEX ${quoteIdent(`${LEDGER_CONTROL_LOG}_run`)} ON ${log} (run_id, id)`);
    // The same figures as \`status\` (src/backfill/status.ts, runProgress): the pass being
    // worked is the first with a pending range, else the last; a page range covers the pages it
    // has counted, out of all its pass's pages; a UUID's place in the key space is its first 48
    // bits; the table's size is estimated from the share of the table the pass covered once that
    // share is past 2%, else from the catalog's estimate.
    await db.query(`
      CREATE VIEW ${view} AS
      WITH pass AS (
        SELECT r.run_id, COALESCE(min(r.pass) FILTER (WHERE r.status = 'pending'), max(r.pass)) AS pass,
               count(*) AS ranges_total, count(*) FILTER (WHERE r.status = 'done') AS ranges_done
          FROM ${ranges} AS r GROUP BY r.run_id
      ),
      positions AS (
        SELECT r.run_id, r.rows_scanned, r.status, r.first_page IS NOT NULL AS by_page,
               CASE WHEN r.status = 'done' THEN r.end_page ELSE r.counted_to_page END - r.first_page AS pages_behind,
               r.end_page - r.first_page AS pages,
               CASE WHEN r.lo IS NULL THEN 0 ELSE ('x' || left(replace(r.lo::text, '-', ''), 12))::bit(48)::bigint / 281474976710656.0 END AS lo_at,
               CASE WHEN r.hi IS NULL THEN 1 ELSE ('x' || left(replace(r.hi::text, '-', ''), 12))::bit(48)::bigint / 281474976710656.0 END AS hi_at,
               CASE WHEN r.checkpoint IS NULL THEN NULL
                    ELSE ('x' || left(replace(r.checkpoint::text, '-', ''), 12))::bit(48)::bigint / 281474976710656.0 END AS at
          FROM ${ranges} AS r JOIN pass AS p ON p.run_id = r.run_id AND p.pass = r.pass
      ),
      covered AS (
        SELECT run_id, sum(rows_scanned) AS pass_rows_scanned,
               least(1, CASE WHEN bool_or(by_page) THEN sum(pages_behind)::numeric / greatest(1, sum(pages))
                             ELSE sum(CASE WHEN status = 'done' THEN hi_at - lo_at WHEN at IS NULL THEN 0 ELSE greatest(0, at - lo_at) END) END) AS fraction
          FROM positions GROUP BY run_id
      ),
      sized AS (
        SELECT c.run_id, c.pass_rows_scanned, c.fraction,
               CASE WHEN c.fraction >= 0.02 AND c.pass_rows_scanned > 0
                    THEN greatest(c.pass_rows_scanned, round(c.pass_rows_scanned / c.fraction))
                    ELSE greatest(COALESCE(greatest(round(u.rows_estimated), 0), 0), c.pass_rows_scanned) END AS estimated_rows
          FROM covered AS c JOIN ${runs} AS u ON u.id = c.run_id
      )
      SELECT u.id AS run_id, u.direction, u.status, u.control_state, u.control_state = 'paused' AS paused,
             u.max_rows_per_second, u.target_batch_ms, u.started_at, u.updated_at, u.finished_at,
             p.pass, s.fraction::float8 AS progress_ratio, floor(COALESCE(s.fraction, 0) * 100)::int AS percent,
             s.estimated_rows::bigint AS estimated_rows,
             greatest(0, s.estimated_rows - s.pass_rows_scanned)::bigint AS rows_remaining,
             s.pass_rows_scanned::bigint AS pass_rows_scanned,
             u.rows_scanned, u.rows_updated, u.rows_application_written,
             (SELECT COALESCE(sum(value::bigint), 0) FROM jsonb_each_text(u.anomalies))::bigint AS anomalous_rows,
             u.anomalies, u.batches, u.busy_ms, u.longest_batch_ms,
             CASE WHEN u.busy_ms > 0 THEN round(u.rows_scanned * 1000.0 / u.busy_ms)::bigint END AS rows_per_second,
             COALESCE(p.ranges_total, 0)::int AS ranges_total, COALESCE(p.ranges_done, 0)::int AS ranges_done,
             extract(epoch FROM now() - u.updated_at)::float8 AS seconds_since_checkpoint
        FROM ${runs} AS u
        LEFT JOIN pass AS p ON p.run_id = u.id
        LEFT JOIN sized AS s ON s.run_id = u.id`);
  },

  async down(db, { stateSchema }) {
    await db.query(`DROP VIEW IF EXISTS ${qualify(stateSchema, PROGRESS_VIEW)}`);
    await db.query(`DROP TABLE IF EXISTS ${qualify(stateSchema, LEDGER_CONTROL_LOG)}`);
    await db.query(`
      ALTER TABLE ${qualify(stateSchema, LEDGER_RUNS)}
        DROP COLUMN IF EXISTS control_state, DROP COLUMN IF EXISTS max_rows_per_second,
        DROP COLUMN IF EXISTS target_batch_ms, DROP COLUMN IF EXISTS control_changed_at`);
  },
};

export default migration;
