/**
 * Fault 1: SIGKILL of the backfill process at 26 points across one run, once per walk — before
 * a batch's BEGIN, inside the batch before its UPDATE, between the UPDATE and the checkpoint
 * write, between the checkpoint write and COMMIT, right after COMMIT was acknowledged, after
 * random delays, at the end of the first pass, mid-sweep and during the convergence count —
 * then the same command resumes. After every kill and at the end: the same rows, every row's metadata
 * byte-identical (md5 per row), no column value wrong, no row written twice (an audit trigger
 * counts committed writes), and the ledger agrees with the table.
 *
 * Exact points come from a test-only preload (test/harness/fault-hook.ts) that pauses the child
 * before a chosen statement; random delays after the start event cover everything between.
 * The seed is printed; FAULT_SEED=<seed> replays the same plan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Walk } from '../../src/ledger/rows.js';
import { WALKS } from '../harness/walks.js';
import { ledgerRanges, ledgerRuns, preparedDatabase, rowsByPage, rowsOnCountedPages } from '../harness/backfill.js';
import { chooseSeed, seededRandom, startCli, type Cli } from '../harness/fault-cli.js';
import { applicationWrittenOf, auditCounts, auditFrom, tableProblems, type Snapshot } from '../harness/table-checks.js';

type Db = Awaited<ReturnType<typeof preparedDatabase>>;

const ROWS = 20_000;
const BATCH = 100;
const INSERTED_AFTER_FIRST_PASS = 300;

type KillPoint = { kind: 'pause'; spec: string } | { kind: 'batch-event'; nth: number; minPass: number } | { kind: 'delay'; ms: number };

function describePoint(point: KillPoint): string {
  if (point.kind === 'pause') return `paused at ${point.spec}`;
  if (point.kind === 'batch-event') return `after batch event #${point.nth}${point.minPass > 0 ? ' of a sweep' : ''}`;
  return `${point.ms} ms after the start event`;
}

/** 16 points in the first pass: every kind at least once, the rest drawn from the seed. */
function keyedPassPlan(random: () => number): KillPoint[] {
  const nth = () => 1 + Math.floor(random() * 3);
  const kinds: (() => KillPoint)[] = [
    () => ({ kind: 'pause', spec: `begin:${nth() + 1}` }),
    () => ({ kind: 'pause', spec: `update:${nth()}` }),
    () => ({ kind: 'pause', spec: `ledger:${nth()}` }),
    // Like begin: a fresh run's first COMMIT is the one that creates it in the ledger, not a
    // batch's; killing there leaves no run at all, which is right but is not this test's point.
    () => ({ kind: 'pause', spec: `commit:${nth() + 1}` }),
    () => ({ kind: 'pause', spec: `after-commit:${nth()}` }),
    () => ({ kind: 'batch-event', nth: nth(), minPass: 0 }),
    () => ({ kind: 'delay', ms: Math.floor(random() * 60) }),
  ];
  const plan = kinds.map((make) => make());
  while (plan.length < 16) plan.push(kinds[Math.floor(random() * kinds.length)]!());
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [plan[i], plan[j]] = [plan[j]!, plan[i]!];
  }
  return plan;
}

/**
 * 9 points after rows were inserted behind the first pass, in an order that makes each
 * reachable: the first stops the first pass's end before its convergence count, the second lets
 * the resumed run count, open the sweep and die inside it; the last dies in the sweep's final count.
 */
function convergencePlan(random: () => number): KillPoint[] {
  return [
    { kind: 'pause', spec: 'eligible:1' },
    { kind: 'pause', spec: 'sweep-commit:2' },
    { kind: 'pause', spec: 'update:1' },
    { kind: 'batch-event', nth: 3, minPass: 1 },
    { kind: 'pause', spec: 'after-commit:1' },
    { kind: 'delay', ms: Math.floor(random() * 60) },
    { kind: 'pause', spec: 'ledger:2' },
    { kind: 'pause', spec: 'begin:3' },
    { kind: 'pause', spec: 'eligible:1' },
  ];
}

async function killAt(db: Db, walk: Walk, point: KillPoint): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const args = ['backfill', '--batch-size', String(BATCH), '--walk', walk, '--json', '--database-url', db.url];
  const child: Cli = startCli(args, point.kind === 'pause' ? { pause: point.spec } : {});
  if (point.kind === 'pause') {
    await child.waitForStderr('@@fault-paused');
  } else if (point.kind === 'batch-event') {
    let seen = 0;
    await child.waitForEvent((e) => e.event === 'batch' && e.pass >= point.minPass && ++seen >= point.nth);
  } else {
    await child.waitForEvent((e) => e.event === 'start');
    await new Promise((resolve) => setTimeout(resolve, point.ms));
  }
  const exit = await child.kill('SIGKILL');
  return { code: exit.code, signal: exit.signal, stderr: exit.stderr };
}

describe.each(WALKS)('SIGKILL at 26 points across one run, then resume (%s walk)', (walk) => {
  let db: Db;
  let before: Snapshot;
  let pagesAtStart: number[];
  const seed = chooseSeed();

  beforeAll(async () => {
    console.log(`[faults] SIGKILL plan seed ${seed} (replay with FAULT_SEED=${seed})`);
    ({ db, before } = await auditFrom(await preparedDatabase(ROWS, (seed % 997) + 1)));
    pagesAtStart = await rowsByPage(db);
  });
  afterAll(() => db?.drop());

  it('loses nothing, repeats nothing, and leaves metadata byte-identical', async () => {
    const random = seededRandom(seed);
    const applicationWritten = applicationWrittenOf(before);
    const inserted = new Set<string>();
    const killed: string[] = [];

    const afterKill = async (label: string) => {
      const problems = await tableProblems(db, { before, applicationWritten, inserted, allowPending: true });
      expect(problems.slice(0, 5), `after the kill ${label}`).toEqual([]);
      const audit = await auditCounts(db);
      expect(audit.twice, `rows written twice after the kill ${label}`).toEqual([]);
      const runs = await ledgerRuns(db);
      expect(runs.length, `one run, resumed every time (after the kill ${label})`).toBe(1);
      // The ledger commits with its batch: it claims exactly the writes the table holds.
      expect(Number(runs[0].rows_updated), `ledger vs table after the kill ${label}`).toBe(audit.total);
      // The first pass counted exactly the rows behind its position: before its checkpoint key
      // (key walk), or on the pages it has counted (page walk).
      const first = (await ledgerRanges(db)).find((r) => r.pass === 0)!;
      if (first.checkpoint && first.status !== 'done') {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM aibridge_token_usages WHERE id <= $1 AND NOT (id::text LIKE '00000000-0000-4000-8000-%')`,
          [first.checkpoint],
        );
        expect(Number(first.rows_scanned), `checkpoint vs rows behind it after the kill ${label}`).toBe(rows[0].n);
      }
      if (first.first_page !== null) {
        expect(Number(first.rows_scanned), `counted pages vs their rows after the kill ${label}`).toBe(
          await rowsOnCountedPages(db, pagesAtStart),
        );
      }
    };

    const kill = async (point: KillPoint) => {
      const label = `#${killed.length + 1} (${describePoint(point)})`;
      const exit = await killAt(db, walk, point);
      expect(exit.signal, `the run was still going at kill ${label}; stderr: ${exit.stderr}`).toBe('SIGKILL');
      killed.push(label);
      await afterKill(label);
    };
    for (const point of keyedPassPlan(random)) await kill(point);
    // The first pass runs to its end, and the process dies as the count after it begins.
    await kill({ kind: 'pause', spec: 'eligible:1' });

    // Rows the application inserts while nobody runs, behind the finished first pass: only a
    // sweep finds them.
    expect(
      (await ledgerRanges(db)).filter((r) => r.pass === 0).every((r) => r.status === 'done'),
      'the first pass is done',
    ).toBe(true);
    const { rows: added } = await db.query(
      `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
       SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, gen_random_uuid(), 'resp-' || i, 100, 10,
              jsonb_build_object('cache_read_input', i * 7, 'cache_creation_input', i), now()
         FROM generate_series(1, $1::int) AS i RETURNING id::text AS id`,
      [INSERTED_AFTER_FIRST_PASS],
    );
    for (const row of added) inserted.add(row.id);

    for (const point of convergencePlan(random)) await kill(point);
    expect(killed.length).toBeGreaterThanOrEqual(20);

    const final = await startCli(['backfill', '--batch-size', String(BATCH), '--walk', walk, '--json', '--database-url', db.url]).exit;
    expect(final.code, final.stderr).toBe(0);
    expect(final.events[0]).toMatchObject({ event: 'start', resumed: true });
    expect(final.events.at(-1)).toMatchObject({ event: 'finish', status: 'completed' });

    expect(await tableProblems(db, { before, applicationWritten, inserted, allowPending: false })).toEqual([]);
    const { rows: count } = await db.query(`SELECT count(*)::int AS n FROM aibridge_token_usages`);
    expect(count[0].n).toBe(ROWS + INSERTED_AFTER_FIRST_PASS);
    const audit = await auditCounts(db);
    expect(audit.twice).toEqual([]);
    const [run] = await ledgerRuns(db);
    expect(run.status).toBe('completed');
    expect(Number(run.rows_updated)).toBe(audit.total);
    // The first pass saw every original row exactly once across 27 processes.
    const firstPass = (await ledgerRanges(db)).filter((r) => r.pass === 0);
    expect(firstPass.reduce((s, r) => s + Number(r.rows_scanned), 0)).toBe(ROWS);
    // The sweep wrote exactly the rows inserted behind the first pass.
    const sweeps = (await ledgerRanges(db)).filter((r) => r.pass > 0);
    expect(sweeps.reduce((s, r) => s + Number(r.rows_updated), 0)).toBe(INSERTED_AFTER_FIRST_PASS);
    console.log(`[faults] SIGKILL points (seed ${seed}): ${killed.join('; ')}`);
    // 26 CLI processes one after another: on a loaded 2-core machine their start-ups alone
    // exceed the project's 120 s default; this bound only catches a hang.
  }, 900_000);
});
