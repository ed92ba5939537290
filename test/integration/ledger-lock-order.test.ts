/**
 * A step's ledger write is one statement (src/ledger/checkpoint.ts): its range's row, then its
 * run's. The run's row is the one every lane of the run updates, so a step that waits for its
 * range's row must not hold the run's meanwhile — whatever plan the server keeps for the
 * statement, including the generic plan of a prepared statement.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBatch, type BatchRecord } from '../../src/ledger/checkpoint.js';
import { tables } from '../../src/names.js';
import { backfill, ledgerRanges, ledgerRuns, preparedDatabase } from '../harness/backfill.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;
const t = tables('public', 'aibridge_migrate');

describe('the ledger write locks the range before the run', () => {
  let db: Db;
  let runId: number;
  let rangeNo: number;
  beforeAll(async () => {
    db = await preparedDatabase(300);
    await backfill(db, {});
    runId = Number((await ledgerRuns(db))[0]!.id);
    rangeNo = Number((await ledgerRanges(db))[0]!.range_no);
  });
  afterAll(async () => db?.drop());

  it.each([
    { plan: 'custom', settings: 'auto' },
    { plan: 'generic', settings: 'force_generic_plan' },
  ])('$plan plan: while it waits for its range, the run stays free, and then both are written', async ({ settings }) => {
    const holder = new pg.Client({ connectionString: db.url });
    const writer = new pg.Client({ connectionString: db.url, application_name: 'ledger writer' });
    await Promise.all([holder.connect(), writer.connect()]);
    try {
      // A prepared statement, as a backfill session sends it (src/db/prepared-statements.ts).
      await writer.query(`SET plan_cache_mode = ${settings}`);
      const prepared = {
        ...writer,
        query: (text: string, values?: unknown[]) => writer.query({ name: `ledger_${settings}`, text, values }),
      };
      const before = (await ledgerRuns(db))[0]!;
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM aibridge_migrate.backfill_ranges WHERE run_id = $1 AND range_no = $2 FOR UPDATE`, [runId, rangeNo]);
      const batch: BatchRecord = {
        runId,
        rangeNo,
        pass: 1,
        position: { walk: 'page', next: 0, countedTo: 0 },
        rangeDone: true,
        scanned: 0,
        updated: 5,
        applicationWritten: 0,
        anomalies: {},
        ms: 12,
        existedAtStart: null,
      };
      const written = recordBatch(prepared as never, t, batch);
      for (let i = 0; ; i++) {
        const { rows } = await db.query(`SELECT wait_event_type FROM pg_stat_activity WHERE application_name = 'ledger writer'`);
        if (rows[0]?.wait_event_type === 'Lock') break;
        if (i > 500) throw new Error('the ledger write never waited for the range row');
        await new Promise((r) => setTimeout(r, 10));
      }
      // The run's row is free: another lane's step can record itself.
      const { rows: free } = await db.query(`SELECT id FROM aibridge_migrate.backfill_runs WHERE id = $1 FOR UPDATE NOWAIT`, [runId]);
      expect(free).toHaveLength(1);
      await holder.query('COMMIT');
      const totals = await written;
      expect(totals.rowsUpdated).toBe(Number(before.rows_updated) + 5);
      const after = (await ledgerRuns(db))[0]!;
      expect(Number(after.batches)).toBe(Number(before.batches) + 1);
    } finally {
      await holder.end();
      await writer.end();
    }
  });
});
