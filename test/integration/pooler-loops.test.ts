/**
 * Measurement loops behind docs/poolers.md, skipped unless POOLER_LOOPS gives the iterations
 * (e.g. `POOLER_LOOPS=30 PG_VERSION=18 npx vitest run --project integration
 * test/integration/pooler-loops.test.ts`). Through PgBouncer (transaction mode, pool of 4):
 * - the race: two `backfill --pooler-ok --debug` beside two clients of traffic, a fresh ledger
 *   each time; none may run over 30 s or leave a lock; prints exits, unlocks run again, locks left;
 * - the check: `up` without --pooler-ok beside four clients of traffic; every run must be refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateUp } from '../../src/migrate/index.js';
import { preparedDatabase } from '../harness/backfill.js';
import { runCliProcess, startCliProcess } from '../harness/cli-process.js';
import { findPgBouncer, startPgBouncer, startTraffic, type PgBouncer } from '../harness/pgbouncer.js';

const ITERATIONS = Number(process.env.POOLER_LOOPS ?? 0);

describe.runIf(ITERATIONS > 0 && findPgBouncer())('pooler measurement loops', () => {
  let db: Awaited<ReturnType<typeof preparedDatabase>>;
  let bouncer: PgBouncer;
  let pooled: string;
  beforeAll(async () => {
    db = await preparedDatabase(3_000, 25);
    await migrateUp({ databaseUrl: db.url });
    bouncer = await startPgBouncer({ serverUrl: db.url, poolMode: 'transaction', poolSize: 4 });
    pooled = bouncer.url(db.name);
  });
  afterAll(async () => {
    await bouncer?.stop();
    await db?.drop();
  });

  it('the race: two concurrent backfills never hang and leave no lock', async () => {
    const tally = { hung: 0, left: 0, rerun: 0, bothRan: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      await db.query(`UPDATE aibridge_token_usages SET cache_read_input_tokens = 0, cache_write_input_tokens = 0`);
      await db.query(`TRUNCATE aibridge_migrate.backfill_ranges, aibridge_migrate.backfill_runs CASCADE`);
      const traffic = await startTraffic(pooled, 2);
      const runs = [0, 1].map(() =>
        startCliProcess(['backfill', '--pooler-ok', '--debug', '--batch-size', '50', '--database-url', pooled]),
      );
      const done = Promise.all(runs.map((r) => r.exit));
      const hung = await Promise.race([done.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 30_000))]);
      await traffic.stop();
      if (hung) await Promise.all(runs.map((r) => r.kill('SIGKILL')));
      const exits = hung ? [] : await done;
      const stderr = exits.map((e) => e.stderr).join('\n');
      const left = Number((await db.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`)).rows[0].n);
      const rerun = (stderr.match(/which did$/gm) ?? []).length;
      console.log(
        `[race ${i}] ${hung ? 'HUNG' : `exits ${exits.map((e) => e.code).join(' and ')}`}; ${rerun} unlock(s) run again; ${left} lock(s) left`,
      );
      Object.assign(tally, {
        hung: tally.hung + Number(hung),
        left: tally.left + Number(left > 0),
        rerun: tally.rerun + rerun,
        bothRan: tally.bothRan + Number(exits.length === 2 && exits.every((e) => e.code === 0)),
      });
      await db.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()`);
    }
    console.log(`[race] ${ITERATIONS} iterations: ${JSON.stringify(tally)}`);
    expect({ hung: tally.hung, left: tally.left }).toEqual({ hung: 0, left: 0 });
  }, 3_600_000);

  it('the check: up is refused every time beside other clients of the pool', async () => {
    const codes: Record<string, number> = {};
    for (let i = 0; i < ITERATIONS; i++) {
      const traffic = await startTraffic(pooled, 4);
      const up = await runCliProcess(['up', '--database-url', pooled]).finally(() => traffic.stop());
      codes[String(up.code)] = (codes[String(up.code)] ?? 0) + 1;
    }
    console.log(`[check refused] ${ITERATIONS} runs of up, by exit code: ${JSON.stringify(codes)}`);
    expect(codes).toEqual({ '10': ITERATIONS });
  }, 3_600_000);
});
