/**
 * Fault 5: the application keeps writing while the backfill runs, from its own connection at
 * a steady rate, as a mixed fleet during a rolling deploy would:
 *   (a) an old version inserts rows with the cache counts only in metadata;
 *   (b) a new version inserts rows with the columns set — with the same counts in metadata,
 *       or with no cache keys in metadata at all;
 *   (c) updates of existing rows' metadata (rows whose columns are still 0: ahead of the
 *       cursor, or behind it with keys newly added, which only a convergence sweep can find).
 * Every application write is recorded. After the run and its sweeps, verify passes (exit 0),
 * every application-written column value is intact, every metadata document is exactly what
 * the application last wrote, and every other row holds the rule's value.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../harness/database.js';
import { ledgerRanges } from '../harness/backfill.js';
import { chooseSeed, runCli, seededRandom, startCli } from '../harness/fault-cli.js';
import { cleanDatabase } from '../harness/clean-database.js';
import { applicationWrittenOf, auditCounts, auditFrom, tableProblems, type Snapshot } from '../harness/table-checks.js';

const READ_KEYS = ['cache_read_input', 'input_cached', 'prompt_cached'];

interface Writes {
  oldInserts: Set<string>;
  newInserts: Map<string, [string, string]>;
  metadataUpdates: Map<string, string>;
  /** (c) attempts that found the row already filled by the backfill: correctly not applied. */
  updatesTooLate: number;
}

/** One application write every `everyMs`, round-robin over (a), (b), (c), until stopped. */
function startWriters(url: string, random: () => number, everyMs: number) {
  const writes: Writes = { oldInserts: new Set(), newInserts: new Map(), metadataUpdates: new Map(), updatesTooLate: 0 };
  const client = new pg.Client({ connectionString: url, application_name: 'coder-app' });
  let stopped = false;
  let failure: unknown = null;
  const done = (async () => {
    await client.connect();
    for (let i = 0; !stopped; i++) {
      const started = Date.now();
      const n = 1 + Math.floor(random() * 50_000);
      try {
        if (i % 3 === 0) {
          const id = randomUUID();
          const key = READ_KEYS[i % READ_KEYS.length]!;
          await client.query(
            `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at)
             VALUES ($1, gen_random_uuid(), $3, 1000, 50, $2::jsonb, now())`,
            [id, JSON.stringify({ [key]: n, ...(key === 'cache_read_input' ? { cache_creation_input: n % 977 } : {}) }), `old-${id}`],
          );
          writes.oldInserts.add(id);
        } else if (i % 3 === 1) {
          const id = randomUUID();
          const noKeys = random() < 0.5;
          const read = String(n);
          const write = noKeys ? String(n % 313) : '0';
          const metadata = noKeys ? {} : { prompt_cached: n };
          await client.query(
            `INSERT INTO aibridge_token_usages (id, interception_id, provider_response_id, input_tokens, output_tokens, metadata, created_at,
                                                cache_read_input_tokens, cache_write_input_tokens)
             VALUES ($1, gen_random_uuid(), $5, 1000, 50, $2::jsonb, now(), $3, $4)`,
            [id, JSON.stringify(metadata), read, write, `new-${id}`],
          );
          writes.newInserts.set(id, [read, write]);
        } else {
          // A row whose columns are 0 right now, anywhere in the key space; the WHERE is
          // re-checked under the row lock, so a row the backfill fills first is left alone.
          const metadata = JSON.stringify({ cache_read_input: n, cache_creation_input: n % 101, web_search_requests: 1 });
          const { rows } = await client.query(
            `UPDATE aibridge_token_usages SET metadata = $1::jsonb
              WHERE id = (SELECT id FROM aibridge_token_usages TABLESAMPLE SYSTEM (5)
                           WHERE cache_read_input_tokens = 0 AND cache_write_input_tokens = 0 AND NOT (id = ANY($2::uuid[])) LIMIT 1)
                AND cache_read_input_tokens = 0 AND cache_write_input_tokens = 0
              RETURNING id::text AS id, md5(metadata::text) AS h`,
            [metadata, [...writes.oldInserts]],
          );
          if (rows.length === 1) writes.metadataUpdates.set(rows[0].id, rows[0].h);
          else writes.updatesTooLate += 1;
        }
      } catch (error) {
        failure = error;
        break;
      }
      const wait = everyMs - (Date.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await client.end();
  })();
  return {
    writes,
    /** Rejects as soon as an application write fails (the test must not go on without writers). */
    failed: done.then(() => {
      if (failure) throw failure;
      return new Promise<never>(() => {});
    }),
    async stop(): Promise<Writes> {
      stopped = true;
      await done;
      if (failure) throw failure;
      return writes;
    },
  };
}

describe('application writers during the run', () => {
  let db: TestDatabase;
  let before: Snapshot;
  const seed = chooseSeed();
  beforeAll(async () => {
    console.log(`[faults] application writers seed ${seed} (replay with FAULT_SEED=${seed})`);
    ({ db, before } = await auditFrom(await cleanDatabase(10_000, 17)));
  });
  afterAll(() => db?.drop());

  it('verify passes after the run and its sweeps; no application write overwritten', async () => {
    const writers = startWriters(db.url, seededRandom(seed), 8);
    // Slowed commits stretch the first pass over a few seconds of steady application traffic.
    const child = startCli(['backfill', '--batch-size', '100', '--converge-passes', '6', '--json', '--database-url', db.url], {
      slowCommitMs: 10,
    });
    // Writers keep going through the first pass and into the first sweep, then stop (a
    // deploy finishes); the sweeps that follow must catch everything written behind a cursor.
    await Promise.race([child.waitForEvent((e) => e.event === 'batch' && e.pass === 1), writers.failed]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const writes = await writers.stop();
    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(0);

    console.log(
      `[faults] application writes during the run: ${writes.oldInserts.size} old-version inserts, ${writes.newInserts.size} new-version inserts, ` +
        `${writes.metadataUpdates.size} metadata updates (${writes.updatesTooLate} found the row already filled)`,
    );
    expect(writes.oldInserts.size).toBeGreaterThan(20);
    expect(writes.newInserts.size).toBeGreaterThan(20);
    expect(writes.metadataUpdates.size).toBeGreaterThan(20);
    const finish = exit.events.at(-1)!;
    expect(finish).toMatchObject({ event: 'finish', status: 'completed' });
    const converges = exit.events.filter((e) => e.event === 'converge');
    expect(converges.at(-1)).toMatchObject({ converged: true, eligible_remaining: 0 });
    // Some application rows landed behind a cursor: the sweeps wrote them.
    const sweeps = (await ledgerRanges(db)).filter((r) => r.pass > 0);
    expect(sweeps.reduce((s, r) => s + Number(r.rows_updated), 0)).toBeGreaterThan(0);

    const verify = await runCli(['verify', '--json', '--database-url', db.url]);
    const report = JSON.parse(verify.stdout);
    expect(
      verify.code,
      JSON.stringify(
        report.checks?.filter((c: any) => c.status !== 'pass'),
        null,
        1,
      ),
    ).toBe(0);
    expect(report.outcome.status).toBe('pass');
    expect(report.row_parity.classes.pending).toBe(0);
    expect(report.row_parity.classes.conflict).toBe(0);

    const applicationWritten = new Map([...applicationWrittenOf(before), ...writes.newInserts]);
    const inserted = new Set([...writes.oldInserts, ...writes.newInserts.keys()]);
    const problems = await tableProblems(db, {
      before,
      applicationWritten,
      inserted,
      metadataChanges: writes.metadataUpdates,
      allowPending: false,
    });
    expect(problems.slice(0, 10)).toEqual([]);
    expect((await auditCounts(db)).twice).toEqual([]);
  });
});
