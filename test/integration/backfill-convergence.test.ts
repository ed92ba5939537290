import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '../../src/verify/index.js';
import { WALKS } from '../harness/walks.js';
import { backfill, instrumentedConnect, ledgerRanges, ledgerRuns, preparedDatabase, wrongRows } from '../harness/backfill.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

/**
 * Rows an old application version inserts with keys below every key: behind any key walk's
 * cursor. A page walk finds inserted rows on the heap's last pages, behind it once it has read
 * them (or past the end of its pass).
 */
async function insertBehind(db: Db, first: number, n: number): Promise<void> {
  await db.query(
    `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
     SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, gen_random_uuid(), 'r', 100, 5,
            jsonb_build_object('prompt_cached', 40 + g), now()
       FROM generate_series($1::int, $1::int + $2::int - 1) AS g`,
    [first, n],
  );
}

describe.each(WALKS)('backfill: convergence sweeps (%s walk)', (walk) => {
  let db: Db;
  beforeAll(async () => {
    db = await preparedDatabase(4_000, 21);
  });
  afterAll(() => db.drop());

  it('fixes rows inserted behind the walk during the first pass, then proves none is left', async () => {
    let begins = 0;
    let inserted = false;
    const connect = instrumentedConnect(db.url, async (text) => {
      // Mid-way through the first pass, an old application version inserts eligible rows
      // behind the walk: keys before the key walk's cursor; for the page walk, once its one
      // window (400 pages: the whole table) is read, at its first round.
      const behind = walk === 'key' ? text === 'BEGIN' && ++begins === 4 : /^WITH v AS \(/.test(text);
      if (behind && !inserted) {
        inserted = true;
        await insertBehind(db, 1, 30);
      }
    });
    const { result, events } = await backfill(db, { batchSize: 400, walk }, { connect });
    expect(result.status).toBe('completed');
    if (result.status !== 'completed') return;
    expect(result.converged).toBe(true);
    expect(events.filter((e) => e.event === 'converge')).toEqual([
      expect.objectContaining({ pass: 0, eligibleRemaining: 30, converged: false, nextPass: 1 }),
      expect.objectContaining({ pass: 1, rowsUpdated: 30, eligibleRemaining: 0, converged: true, nextPass: null }),
    ]);
    expect(await wrongRows(db)).toEqual([]);
    const ranges = await ledgerRanges(db);
    expect(ranges.map((r) => [r.pass, r.status])).toEqual([
      [0, 'done'],
      [1, 'done'],
    ]);
    // The first pass counted the rows that were there when the run began; verify explains the
    // rest by created_at, with nothing left over (no statement counted the whole table at once).
    const { report } = await verify({ databaseUrl: db.url });
    expect(report.count_parity.ledger_run).toMatchObject({ table_rows_at_start: 4_000, rows_created_since_start: 30, rows_unexplained: 0 });
  });

  it('reports the rows it could not converge when old writers keep inserting behind every sweep', async () => {
    // Old writers were at it since the last run too: its count finds rows, so a first pass follows.
    await insertBehind(db, 96, 4);
    let begins = 0;
    let next = 100;
    const connect = instrumentedConnect(db.url, async (text) => {
      // Every 3rd step, 4 more rows land behind the walk: no sweep can catch up.
      if (text === 'BEGIN' && ++begins % 3 === 0) {
        await insertBehind(db, next, 4);
        next += 4;
      }
    });
    const { result, events } = await backfill(db, { batchSize: 1_000, convergePasses: 2, walk }, { connect });
    expect(result.status).toBe('completed');
    if (result.status !== 'completed') return;
    expect(result.converged).toBe(false);
    const last = events.filter((e) => e.event === 'converge').at(-1);
    expect(events.find((e) => e.event === 'converge')).toMatchObject({ pass: 0, rowsScanned: 0, nextPass: 0 });
    expect(last).toMatchObject({ pass: 2, converged: false, nextPass: null });
    expect(result.summary.unconvergedRows).toBeGreaterThan(0);
    const run = (await ledgerRuns(db)).at(-1);
    expect(Number(run.unconverged_rows)).toBe(result.summary.unconvergedRows);
    expect(run.convergence_passes).toBe(2);
    // A later run picks them up.
    const { result: later } = await backfill(db, { walk });
    expect(later.status).toBe('completed');
    if (later.status === 'completed') expect(later.converged).toBe(true);
    expect(await wrongRows(db)).toEqual([]);
    // That run began by counting: the count measured the table it started from.
    const { rows } = await db.query('SELECT count(*)::int AS n FROM aibridge_token_usages');
    const { report } = await verify({ databaseUrl: db.url });
    expect(report.count_parity.ledger_run).toMatchObject({
      table_rows_at_start: rows[0].n,
      rows_created_since_start: 0,
      rows_unexplained: 0,
    });
  });
});
