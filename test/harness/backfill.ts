/** Shared arrangements for the backfill tests (not a test file itself). */
import { generateDataset, type DatasetShape } from '../../fixtures/generator.js';
import { runBackfill, type BackfillEvent, type BackfillResult } from '../../src/backfill/index.js';
import type { BackfillDeps } from '../../src/backfill/index.js';
import { evaluateMetadataText } from '../../src/rule/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { applyToolkitMigrations } from './toolkit-schema.js';
import { systemRuntime } from '../../src/runtime.js';

export const ANOMALOUS_METADATA = [
  '{"cache_read_input": 5376.5, "cache_creation_input": 10}',
  '{"prompt_cached": "abc"}',
  '{"cache_creation_input": -5, "cache_read_input": 7}',
  '[1, 2]',
  '{"input_cached": 99999999999999999999}',
  '{"prompt_cached": true, "input_cached": 12}',
];

/** A database after `up`, with generated rows, some anomalies and some application-written rows. */
export async function preparedDatabase(
  rows: number,
  seed = 7,
  shape: DatasetShape = 'wide',
): Promise<TestDatabase & { appWritten: Map<string, [string, string]> }> {
  const db = await createTestDatabase();
  await applyToolkitMigrations(db.url);
  await generateDataset(db.pool, { rows, seed, shape });
  // Anomalies on a spread of rows (ordered by id so they sit all over the key space).
  const { rows: picked } = await db.query(`SELECT id FROM aibridge_token_usages ORDER BY md5(id::text) LIMIT $1`, [
    ANOMALOUS_METADATA.length * 3,
  ]);
  for (const [i, row] of picked.entries()) {
    await db.query(`UPDATE aibridge_token_usages SET metadata = $2::jsonb WHERE id = $1`, [
      row.id,
      ANOMALOUS_METADATA[i % ANOMALOUS_METADATA.length],
    ]);
  }
  // Rows the new application version wrote: columns set directly, values unrelated to metadata.
  await db.query(
    `UPDATE aibridge_token_usages SET cache_read_input_tokens = 11, cache_write_input_tokens = 0
      WHERE id IN (SELECT id FROM aibridge_token_usages WHERE metadata ? 'cache_read_input' ORDER BY md5(id::text || 'app') LIMIT 40)`,
  );
  await db.query(
    `UPDATE aibridge_token_usages SET cache_read_input_tokens = 0, cache_write_input_tokens = 13
      WHERE id IN (SELECT id FROM aibridge_token_usages WHERE cache_read_input_tokens = 0 AND metadata ? 'prompt_cached' ORDER BY md5(id::text || 'app2') LIMIT 20)`,
  );
  const { rows: app } = await db.query(
    `SELECT id, cache_read_input_tokens::text AS r, cache_write_input_tokens::text AS w FROM aibridge_token_usages
      WHERE cache_read_input_tokens <> 0 OR cache_write_input_tokens <> 0`,
  );
  await db.query('ANALYZE aibridge_token_usages');
  return Object.assign(db, { appWritten: new Map(app.map((r) => [r.id as string, [r.r, r.w] as [string, string]])) });
}

/** Rows whose columns are not what they must be after a complete backfill. */
export async function wrongRows(db: TestDatabase & { appWritten: Map<string, [string, string]> }): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT id, metadata::text AS metadata, cache_read_input_tokens::text AS r, cache_write_input_tokens::text AS w FROM aibridge_token_usages`,
  );
  const wrong: string[] = [];
  for (const row of rows) {
    const app = db.appWritten.get(row.id);
    const expected =
      app ??
      (() => {
        const rule = evaluateMetadataText(row.metadata);
        return [rule.cacheRead.toString(), rule.cacheWrite.toString()];
      })();
    if (row.r !== expected[0] || row.w !== expected[1])
      wrong.push(`${row.id}: got (${row.r}, ${row.w}), expected (${expected[0]}, ${expected[1]})`);
  }
  return wrong;
}

/** Rows that need the backfill: both columns 0 and the rule gives something. */
export async function eligibleCount(db: TestDatabase): Promise<number> {
  const { rows } = await db.query(
    `SELECT id, metadata::text AS metadata FROM aibridge_token_usages WHERE cache_read_input_tokens = 0 AND cache_write_input_tokens = 0`,
  );
  return rows.filter((row) => {
    const rule = evaluateMetadataText(row.metadata);
    return rule.cacheRead !== 0n || rule.cacheWrite !== 0n;
  }).length;
}

/** Every row's id, xmin and metadata: a write of any kind changes xmin. */
export async function rowVersions(db: TestDatabase): Promise<Map<string, string>> {
  const { rows } = await db.query(`SELECT id, xmin::text AS xmin, metadata::text AS metadata FROM aibridge_token_usages`);
  return new Map(rows.map((r) => [r.id as string, `${r.xmin}|${r.metadata}`]));
}

export interface Recorded {
  result: BackfillResult;
  events: BackfillEvent[];
}

export async function backfill(
  db: TestDatabase,
  options: Record<string, unknown> = {},
  deps: Partial<BackfillDeps> = {},
): Promise<Recorded> {
  const events: BackfillEvent[] = [];
  const sink = deps.sink;
  const result = await runBackfill(
    { databaseUrl: db.url, ...options },
    {
      ...deps,
      sink: (event) => {
        events.push(event);
        sink?.(event);
      },
    },
  );
  return { result, events };
}

/** A backfill stopped by `signal` (as Ctrl-C or SIGTERM would) once its `batches`-th batch event is out. */
export async function stoppedAfter(
  db: TestDatabase,
  options: Record<string, unknown>,
  batches: number,
  signal: 'SIGINT' | 'SIGTERM' = 'SIGTERM',
): Promise<Recorded> {
  const controller = new AbortController();
  let seen = 0;
  return backfill(db, options, {
    signal: controller.signal,
    sink: (e) => {
      if (e.event === 'batch' && ++seen === batches) controller.abort(signal);
    },
  });
}

export async function ledgerRuns(db: TestDatabase) {
  const { rows } = await db.query(`SELECT * FROM aibridge_migrate.backfill_runs ORDER BY id`);
  return rows;
}

export async function ledgerRanges(db: TestDatabase) {
  const { rows } = await db.query(`SELECT * FROM aibridge_migrate.backfill_ranges ORDER BY run_id, range_no`);
  return rows;
}

/**
 * A connect() whose sessions call `before(text, sessionNo, values)` ahead of every statement, so
 * a test can act at an exact point of the run (e.g. just before the 3rd COMMIT), or see what a
 * statement is given.
 */
export function instrumentedConnect(
  url: string,
  before: (text: string, session: number, values: readonly unknown[]) => Promise<void> | void,
): BackfillDeps['connect'] {
  let sessions = 0;
  return async () => {
    const [{ connect }, { targetFromUrl }] = await Promise.all([import('../../src/db/connect.js'), import('../../src/db/target.js')]);
    const client = await connect({ target: targetFromUrl(url), applicationName: 'aibridge-migrate backfill', runtime: systemRuntime() });
    const no = ++sessions;
    return {
      query: async (text: string, values?: unknown[]) => {
        await before(text, no, values ?? []);
        return client.query(text, values as any[]);
      },
      end: () => client.end(),
    } as any;
  };
}

/** Counts statements that start a batch transaction. */
export function isBatchBegin(text: string): boolean {
  return text === 'BEGIN';
}

/** A statement that writes rows: a key walk's batch, or a page walk's round. */
export function isBatchStatement(text: string): boolean {
  return /^WITH (s AS MATERIALIZED|v AS) \(/.test(text) && /\bUPDATE\b/.test(text);
}

/** Rows on each heap page now, by page number: what a page walk planned now reads, page by page. */
export async function rowsByPage(db: TestDatabase): Promise<number[]> {
  const { rows } = await db.query(
    `SELECT (ctid::text::point)[0]::int AS page, count(*)::int AS n FROM aibridge_token_usages GROUP BY 1 ORDER BY 1`,
  );
  const pages: number[] = [];
  for (const r of rows) pages[r.page] = r.n;
  return Array.from(pages, (n) => n ?? 0);
}

/**
 * What a page walk's first pass must have scanned: exactly the rows that were on the pages its
 * ranges have counted (`pagesAtStart`: rowsByPage before the run); the latest run by default.
 */
export async function rowsOnCountedPages(db: TestDatabase, pagesAtStart: number[], runId?: number): Promise<number> {
  const run = runId ?? Number((await ledgerRuns(db)).at(-1).id);
  const ranges = (await ledgerRanges(db)).filter((r) => Number(r.run_id) === run && r.pass === 0 && r.first_page !== null);
  let total = 0;
  for (const r of ranges) for (let p = Number(r.first_page); p < Number(r.counted_to_page); p++) total += pagesAtStart[p] ?? 0;
  return total;
}
