/**
 * backfill --reverse: the column values go back into metadata so that `down` loses nothing.
 * The property: up → backfill → the application writes column-only (and stranger) rows →
 * reverse → down → up → backfill gives every row exactly the column values it had.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../fixtures/generator.js';
import { migrateDown, migrateUp } from '../../src/migrate/index.js';
import { evaluateMetadataText } from '../../src/rule/index.js';
import { startCliProcess } from '../harness/cli-process.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { LEDGER_MIGRATIONS } from '../harness/toolkit-schema.js';
import { backfill, ledgerRuns, stoppedAfter } from '../harness/backfill.js';

type Columns = Map<string, string>;

async function columns(db: TestDatabase): Promise<Columns> {
  const { rows } = await db.query(
    `SELECT id, cache_read_input_tokens::text AS r, cache_write_input_tokens::text AS w FROM aibridge_token_usages`,
  );
  return new Map(rows.map((r) => [r.id as string, `${r.r}/${r.w}`]));
}

/** What the rule reads from each row's metadata (the old application's view, after down). */
async function ruleValues(db: TestDatabase): Promise<Columns> {
  const { rows } = await db.query(`SELECT id, metadata::text AS metadata FROM aibridge_token_usages`);
  return new Map(
    rows.map((r) => {
      const v = evaluateMetadataText(r.metadata);
      return [r.id as string, `${v.cacheRead}/${v.cacheWrite}`];
    }),
  );
}

function differences(expected: Columns, actual: Columns): string[] {
  const out: string[] = [];
  for (const [id, value] of expected) if (actual.get(id) !== value) out.push(`${id}: expected ${value}, got ${actual.get(id)}`);
  if (actual.size !== expected.size) out.push(`row count ${actual.size} instead of ${expected.size}`);
  return out;
}

const count = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 100_000n }), fc.constant(9223372036854775807n));
/** A value found under a cache key: valid numbers, numeric strings, and every anomaly class. */
const keyValue = fc.oneof(
  fc.integer({ min: 0, max: 100_000 }),
  fc.integer({ min: 0, max: 9_999 }).map(String),
  fc.constantFrom<unknown>(5376.5, -5, 'abc', true, { a: 1 }, [1], null, 1e20),
);
const metadata = fc.oneof(
  { weight: 1, arbitrary: fc.constant<unknown>(null) },
  { weight: 2, arbitrary: fc.constant<unknown>({}) },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        cache_read_input: keyValue,
        input_cached: keyValue,
        prompt_cached: keyValue,
        cache_creation_input: keyValue,
        cache_ephemeral_5m_input: keyValue,
        web_search_requests: fc.integer({ min: 0, max: 3 }),
      },
      { requiredKeys: [] },
    ),
  },
);
/** Rows the new application version wrote: columns set, metadata anything it might carry. */
const appRow = fc.record({ metadata, read: count, write: count });

async function insertAppRows(db: TestDatabase, rows: { metadata: unknown; read: bigint; write: bigint }[], tag: string): Promise<void> {
  await db.query(
    `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at,
                                        cache_read_input_tokens, cache_write_input_tokens)
     SELECT md5($1 || r.n)::uuid, md5($1 || 'i' || r.n)::uuid, 'resp', 10, 5, r.m::jsonb, now(), r.cr::bigint, r.cw::bigint
       FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS r(m, cr, cw, n)`,
    [
      tag,
      rows.map((r) => (r.metadata === null ? null : JSON.stringify(r.metadata))),
      rows.map((r) => r.read.toString()),
      rows.map((r) => r.write.toString()),
    ],
  );
}

describe('backfill --reverse: the round trip through down and up is exact', () => {
  it('up → backfill → app writes → reverse → down → up → backfill reproduces every row', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(appRow, { minLength: 20, maxLength: 120 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        async (appRows, seed) => {
          const db = await createTestDatabase();
          try {
            const url = db.url;
            await migrateUp({ databaseUrl: url });
            await generateDataset(db.pool, { rows: 1_500, seed });
            const forward = await backfill(db, {});
            expect(forward.result.status).toBe('completed');
            await insertAppRows(db, appRows, `app-${round++}-`);
            // The application also sets the columns of a few old rows directly.
            await db.query(
              `UPDATE aibridge_token_usages SET cache_read_input_tokens = 7, cache_write_input_tokens = 0
              WHERE id IN (SELECT id FROM aibridge_token_usages WHERE metadata ? 'cache_creation_input' ORDER BY md5(id::text) LIMIT 15)`,
            );
            const before = await columns(db);
            // Both columns 0 is the columns' default, which every forward run fills from the
            // metadata (a backfill never overwrites a non-default value, and 0/0 is not one):
            // for those rows the values to reproduce are the rule's.
            const rule = await ruleValues(db);
            const expected = new Map([...before].map(([id, v]) => [id, v === '0/0' ? rule.get(id)! : v]));

            const reverse = await backfill(db, { reverse: true, batchSize: 200 });
            expect(reverse.result.status, JSON.stringify(reverse.result)).toBe('completed');
            if (reverse.result.status === 'completed') expect(reverse.result.summary.unreversibleRows).toBe(0);
            // Nothing else moved: the reverse step writes metadata only.
            expect(differences(before, await columns(db))).toEqual([]);

            // down for each ledger migration, then the columns (its guard must now pass).
            for (const name of LEDGER_MIGRATIONS) expect((await migrateDown({ databaseUrl: url })).reverted?.name).toBe(name);
            const dropped = await migrateDown({ databaseUrl: url });
            expect(dropped.reverted?.name).toMatch(/cache-token-columns/);
            // The old application version reads, from metadata alone, what the columns held.
            expect(differences(expected, await ruleValues(db))).toEqual([]);

            await migrateUp({ databaseUrl: url });
            const again = await backfill(db, {});
            expect(again.result.status).toBe('completed');
            expect(differences(expected, await columns(db))).toEqual([]);
          } finally {
            await db.drop();
          }
        },
      ),
      { numRuns: 3, endOnFailure: true },
    );
  });
});

describe('backfill --reverse: what it writes and what it refuses to', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await migrateUp({ databaseUrl: db.url });
    await generateDataset(db.pool, { rows: 3_000, seed: 5 });
    const { result } = await backfill(db, {});
    expect(result.status).toBe('completed');
  });
  afterAll(() => db.drop());

  const row = async (id: string) =>
    (
      await db.query(
        `SELECT metadata, cache_read_input_tokens::text AS r, cache_write_input_tokens::text AS w FROM aibridge_token_usages WHERE id = $1`,
        [id],
      )
    ).rows[0];

  it('writes the column values under cache_read_input / cache_creation_input, moves conflicting keys aside, leaves non-objects alone', async () => {
    const cases: [string, string | null, number, number][] = [
      ['00000000-0000-4000-8000-000000000001', '{}', 120, 30], // column-only row
      ['00000000-0000-4000-8000-000000000002', null, 5, 0], // NULL metadata
      ['00000000-0000-4000-8000-000000000003', '{"prompt_cached": 900, "prompt_audio": 3}', 40, 0], // conflicting read key
      ['00000000-0000-4000-8000-000000000004', '{"cache_read_input": 8, "cache_creation_input": 99}', 8, 0], // write side differs (0)
      ['00000000-0000-4000-8000-000000000005', '[1, 2]', 6, 0], // not an object: unreversible
      ['00000000-0000-4000-8000-000000000006', '{"cache_read_input": 50}', 50, 0], // already carried
    ];
    for (const [id, meta, r, w] of cases) {
      await db.query(
        `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at, cache_read_input_tokens, cache_write_input_tokens)
         VALUES ($1, $1, 'resp', 1, 1, $2::jsonb, now(), $3, $4)`,
        [id, meta, r, w],
      );
    }
    const carriedBefore = await db.query(`SELECT xmin::text AS x FROM aibridge_token_usages WHERE id = $1`, [cases[5]![0]]);

    const { result } = await backfill(db, { reverse: true });
    expect(result.status).toBe('completed');
    if (result.status !== 'completed') return;
    expect(result.summary.direction).toBe('reverse');
    expect(result.summary.rowsUpdated).toBe(4);
    expect(result.summary.unreversibleRows).toBe(1);
    expect(result.summary.anomalies).toEqual({ not_an_object: 1 });

    expect((await row(cases[0]![0])).metadata).toEqual({ cache_read_input: 120, cache_creation_input: 30 });
    expect((await row(cases[1]![0])).metadata).toEqual({ cache_read_input: 5 });
    expect((await row(cases[2]![0])).metadata).toEqual({
      cache_read_input: 40,
      prompt_audio: 3,
      aibridge_migrate_displaced: { prompt_cached: 900 },
    });
    expect((await row(cases[3]![0])).metadata).toEqual({ cache_read_input: 8, aibridge_migrate_displaced: { cache_creation_input: 99 } });
    expect((await row(cases[4]![0])).metadata).toEqual([1, 2]);
    // A row whose metadata already carries its columns is not written at all.
    const carriedAfter = await db.query(`SELECT xmin::text AS x FROM aibridge_token_usages WHERE id = $1`, [cases[5]![0]]);
    expect(carriedAfter.rows[0].x).toBe(carriedBefore.rows[0].x);

    const runs = await ledgerRuns(db);
    expect(runs.at(-1)).toMatchObject({ direction: 'reverse', status: 'completed' });
    expect(Number(runs.at(-1).unreversible_rows)).toBe(1);

    // The unreversible row still blocks down, which says so; the forward run is untouched.
    for (const name of LEDGER_MIGRATIONS) expect((await migrateDown({ databaseUrl: db.url })).reverted?.name).toBe(name);
    await expect(migrateDown({ databaseUrl: db.url })).rejects.toMatchObject({ code: 'DOWN_REFUSED' });
    await migrateUp({ databaseUrl: db.url });
  });

  it('a second reverse run writes nothing; an interrupted one resumes where it stopped', async () => {
    await db.query(
      `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at, cache_read_input_tokens, cache_write_input_tokens)
       SELECT md5('rev' || g)::uuid, md5('rev' || g)::uuid, 'resp', 1, 1, '{}'::jsonb, now(), g, g * 2 FROM generate_series(1, 400) AS g`,
    );
    const first = await stoppedAfter(db, { reverse: true, batchSize: 300 }, 3, 'SIGINT');
    expect(first.result.status).toBe('interrupted');
    const second = await backfill(db, { reverse: true, batchSize: 300 });
    expect(second.result.status).toBe('completed');
    if (second.result.status !== 'completed' || first.result.status !== 'interrupted') return;
    expect(second.result.resumed).toBe(true);
    expect(second.result.runId).toBe(first.result.runId);
    expect(second.result.summary.rowsScanned).toBe(3_000 + 6 + 400);
    expect(second.result.summary.rowsUpdated).toBe(400);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM aibridge_token_usages WHERE id IN (SELECT md5('rev' || g)::uuid FROM generate_series(1, 400) AS g)
          AND (metadata->>'cache_read_input')::bigint = cache_read_input_tokens AND (metadata->>'cache_creation_input')::bigint = cache_write_input_tokens`,
    );
    expect(rows[0].n).toBe(400);

    const third = await backfill(db, { reverse: true, workers: 2 });
    expect(third.result.status).toBe('completed');
    if (third.result.status === 'completed') expect(third.result.summary.rowsUpdated).toBe(0);
  });
});

describe('backfill --reverse: a process killed mid-run', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await migrateUp({ databaseUrl: db.url });
    await generateDataset(db.pool, { rows: 12_000, seed: 61 });
    expect((await backfill(db, {})).result.status).toBe('completed');
    // 3,000 column-only rows the new application wrote, spread over the key space.
    await db.query(
      `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at, cache_read_input_tokens, cache_write_input_tokens)
       SELECT md5('kill' || g)::uuid, md5('kill' || g)::uuid, 'resp', 1, 1, '{}'::jsonb, now(), g, g % 7 FROM generate_series(1, 3000) AS g`,
    );
    // Every metadata write from here on is counted per row.
    await db.query(`CREATE TABLE public.metadata_writes (id uuid PRIMARY KEY, n integer NOT NULL)`);
    await db.query(`CREATE FUNCTION public.count_metadata_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.metadata IS DISTINCT FROM OLD.metadata THEN
          INSERT INTO public.metadata_writes AS w (id, n) VALUES (NEW.id, 1) ON CONFLICT (id) DO UPDATE SET n = w.n + 1;
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(
      `CREATE TRIGGER count_metadata_write AFTER UPDATE ON aibridge_token_usages FOR EACH ROW EXECUTE FUNCTION public.count_metadata_write()`,
    );
  });
  afterAll(() => db.drop());

  it('SIGKILL after 8 batches: the next --reverse resumes the same run, writes each row once, and the round trip through down and up is exact', async () => {
    const before = await columns(db);
    const args = ['backfill', '--reverse', '--batch-size', '300', '--json'];
    const killed = startCliProcess(args, { env: { DATABASE_URL: db.url } });
    await killed.batches(8);
    killed.kill('SIGKILL');
    expect((await killed.exit).signal).toBe('SIGKILL');
    const dead = (await ledgerRuns(db)).at(-1);
    expect([dead.direction, dead.status]).toEqual(['reverse', 'running']);

    const next = startCliProcess(args, { env: { DATABASE_URL: db.url } });
    const { code } = await next.exit;
    expect(code, next.stderr()).toBe(0);
    expect(next.events[0]).toMatchObject({ event: 'start', run_id: Number(dead.id), resumed: true, direction: 'reverse' });
    const { rows } = await db.query(
      `SELECT count(*)::int AS rows, count(*) FILTER (WHERE n > 1)::int AS twice FROM public.metadata_writes`,
    );
    expect(rows[0]).toEqual({ rows: 3_000, twice: 0 });
    expect(differences(before, await columns(db))).toEqual([]);

    // Nothing lost: down's guard passes, and after up the forward run gives every row its values back.
    await db.query(`DROP TRIGGER count_metadata_write ON aibridge_token_usages`);
    for (const name of LEDGER_MIGRATIONS) expect((await migrateDown({ databaseUrl: db.url })).reverted?.name).toBe(name);
    await migrateDown({ databaseUrl: db.url });
    await migrateUp({ databaseUrl: db.url });
    expect((await backfill(db, {})).result.status).toBe('completed');
    expect(differences(before, await columns(db))).toEqual([]);
  });
});
