/**
 * What "nothing lost, nothing applied twice" means, as checks over the whole table:
 * - the rows are the same rows (count and ids) and every row's metadata is byte-identical;
 * - every cache column holds what it must (the rule's value, the application's own value, or
 *   — only while a run is unfinished — still 0);
 * - an audit trigger counts committed writes to the cache columns per row: none above one.
 */
import { evaluateMetadataText } from '../../src/rule/index.js';
import type { TestDatabase } from './database.js';

/** Anything with the test database's query method (a TestDatabase, or a server of our own). */
export type Db = Pick<TestDatabase, 'query'>;

export interface RowState {
  metadataMd5: string | null;
  read: string;
  write: string;
}

export type Snapshot = Map<string, RowState>;

/** `table`: the qualified, quoted table when it is not public.aibridge_token_usages. */
export async function snapshot(db: Db, table = 'aibridge_token_usages'): Promise<Snapshot> {
  const { rows } = await db.query(
    `SELECT id::text AS id, md5(metadata::text) AS h, cache_read_input_tokens::text AS r, cache_write_input_tokens::text AS w FROM ${table}`,
  );
  return new Map(rows.map((row) => [row.id as string, { metadataMd5: row.h, read: row.r, write: row.w }]));
}

/**
 * A trigger that counts every committed change of a cache column, per row, in its own schema
 * (outside what the toolkit and verify look at). A batch that rolls back rolls its counts back.
 */
export async function installUpdateAudit(db: Db): Promise<void> {
  await db.query(`
    CREATE SCHEMA IF NOT EXISTS fault_audit;
    CREATE TABLE IF NOT EXISTS fault_audit.row_updates (id uuid PRIMARY KEY, n integer NOT NULL);
    CREATE OR REPLACE FUNCTION fault_audit.count_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO fault_audit.row_updates AS u (id, n) VALUES (NEW.id, 1)
        ON CONFLICT (id) DO UPDATE SET n = u.n + 1;
      RETURN NULL;
    END $$;
    DROP TRIGGER IF EXISTS fault_count_update ON aibridge_token_usages;
    CREATE TRIGGER fault_count_update AFTER UPDATE ON aibridge_token_usages FOR EACH ROW
      WHEN (OLD.cache_read_input_tokens IS DISTINCT FROM NEW.cache_read_input_tokens
         OR OLD.cache_write_input_tokens IS DISTINCT FROM NEW.cache_write_input_tokens)
      EXECUTE FUNCTION fault_audit.count_update();`);
}

/** Rows whose cache columns were changed more than once, and the total number of changes. */
/** Audits `db`'s updates from now on and snapshots its table: what a fault is judged against. */
export async function auditFrom<D extends Db>(db: D): Promise<{ db: D; before: Snapshot }> {
  await installUpdateAudit(db);
  return { db, before: await snapshot(db) };
}

export async function auditCounts(db: Db): Promise<{ twice: string[]; total: number }> {
  const { rows } = await db.query(`SELECT id::text AS id, n FROM fault_audit.row_updates`);
  return { twice: rows.filter((r) => r.n > 1).map((r) => `${r.id} x${r.n}`), total: rows.reduce((s, r) => s + Number(r.n), 0) };
}

export interface TableExpectations {
  /** The table before the run: same ids, same metadata (unless listed in `metadataChanges`). */
  before: Snapshot;
  /** Rows the application wrote its own column values into: id → [read, write]. */
  applicationWritten: Map<string, [string, string]>;
  /** Rows inserted since `before`. */
  inserted?: Set<string>;
  /** Rows whose metadata the application changed since `before`: id → md5 of the new metadata. */
  metadataChanges?: Map<string, string>;
  /** While a run is unfinished, a row may still hold 0/0 where the rule has a value. */
  allowPending: boolean;
  /** The qualified, quoted table when it is not public.aibridge_token_usages. */
  table?: string;
}

/** Every way the table differs from what it must be; empty when all is well. */
export async function tableProblems(db: Db, expect: TableExpectations): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT id::text AS id, metadata::text AS metadata, md5(metadata::text) AS h,
            cache_read_input_tokens::text AS r, cache_write_input_tokens::text AS w
       FROM ${expect.table ?? 'aibridge_token_usages'}`,
  );
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.id);
    const old = expect.before.get(row.id);
    if (!old && !expect.inserted?.has(row.id)) problems.push(`${row.id}: a row nobody inserted`);
    const wantMd5 = expect.metadataChanges?.get(row.id) ?? old?.metadataMd5;
    if (old && row.h !== wantMd5) problems.push(`${row.id}: metadata changed (md5 ${wantMd5} → ${row.h})`);
    const app = expect.applicationWritten.get(row.id);
    if (app) {
      if (row.r !== app[0] || row.w !== app[1])
        problems.push(`${row.id}: application value (${app.join(', ')}) overwritten with (${row.r}, ${row.w})`);
      continue;
    }
    const rule = evaluateMetadataText(row.metadata);
    const want = [rule.cacheRead.toString(), rule.cacheWrite.toString()];
    const pending = row.r === '0' && row.w === '0';
    if ((row.r !== want[0] || row.w !== want[1]) && !(pending && expect.allowPending)) {
      problems.push(`${row.id}: columns (${row.r}, ${row.w}), the rule says (${want.join(', ')}) for ${row.metadata}`);
    }
  }
  for (const id of expect.before.keys()) if (!seen.has(id)) problems.push(`${id}: row lost`);
  return problems;
}

/** Application-written rows of a snapshot: both columns as they are now, for rows with a non-zero column. */
export function applicationWrittenOf(before: Snapshot): Map<string, [string, string]> {
  return new Map(
    [...before].filter(([, s]) => s.read !== '0' || s.write !== '0').map(([id, s]) => [id, [s.read, s.write] as [string, string]]),
  );
}
