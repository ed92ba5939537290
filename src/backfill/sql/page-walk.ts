/**
 * What the statements of the walk in physical order (PostgreSQL 14 and newer) share: a window
 * of heap pages is judged once, then written in rounds of two rows per page (one under a rate
 * limit: policy/rounds.ts, rowsPerPageInRound).
 *
 * Why rounds: Coder's token-usage table is insert-only, so its pages are full. An update keeps
 * its new row version on the same page (HOT: no index entry, a fraction of the WAL) only when
 * the page has room, and the room comes from pruning the dead versions of earlier updates —
 * which PostgreSQL does only for versions no transaction can see any more, and only when a page
 * is read by a sequential, TID-range or index scan (not by a TID fetch). Two updates to one page
 * in one transaction need room for two new versions at once, which a full page does not have.
 * So a round writes few rows per page — the room two need is paid for once per page, by one more
 * version moving off it — and reaches each row through the primary key: the index fetch prunes
 * the page just before the update, freeing what the previous round left dead.
 * Every page of a window is written within the few seconds its rounds take, so a checkpoint
 * rarely falls inside a window: about one full-page image per page per pass, however long the
 * run (`npx tsx bench/walk-probe.ts` measures the alternatives).
 */
import type { PageSpan } from '../../db/page-span.js';
import { identifier, join, quoted, sql, unsafeRaw, type Sql } from '../../db/sql.js';
import { countsOf } from '../../ledger/rows.js';
import type { JudgedRow } from '../policy/rounds.js';

/** `(page,0)`: offset 0 sorts below every real line pointer (they start at 1). */
export function pageTid(page: number): string {
  return `(${page},0)`;
}

/** The TID range condition of a span (a TID range scan reads its pages in order, pruning each). */
export function spanCondition(span: PageSpan): Sql {
  return sql`t.ctid >= ${pageTid(span.from)}::tid AND t.ctid < ${pageTid(span.to)}::tid`;
}

/**
 * The judge's own pages, and where the rows a round moved ahead of the pass are recorded
 * (ledger/moved-rows.ts): the judge leaves out those on its pages.
 */
export interface JudgeSpan extends PageSpan {
  moved: { table: string; runId: number; pass: number };
}

/**
 * `counted`: the row at `t.ctid` was not moved here by a round (it was counted where it was).
 * The moved rows are read by the judge's own statement, not before it: a round of another lane
 * may commit a row and its record between two statements, and a judge that saw the row but not
 * the record would count it twice.
 */
export function countedSql(span: JudgeSpan): Sql {
  const { moved } = span;
  return sql`t.ctid <> ALL (ARRAY(SELECT m.row_address FROM ${quoted(moved.table)} AS m
                             WHERE m.run_id = ${moved.runId} AND m.pass = ${moved.pass} AND m.row_address >= ${pageTid(span.from)}::tid AND m.row_address < ${pageTid(span.to)}::tid))`;
}

/**
 * The round's view of where it writes: rows its updates move off their page land anywhere; those
 * landing on a page of the pass outside the window (`window`, `passEnd`) are returned as `moved`.
 */
export interface RoundPlace {
  window: PageSpan;
  passEnd: number;
}

/**
 * The one row a round statement returns, over `u`, the rows it updated (RETURNING the new
 * version's address): `updated`, and `moved`, the addresses that left the window for a page of
 * the pass.
 */
export function roundSummarySql(place: RoundPlace): Sql {
  // Pages compared as addresses, `(page,0)` below every row of the page: a page number read off
  // an address goes through text and a point, which cost 0.8 µs more per row than the three
  // comparisons themselves (one backend, 300K rows), paid here for every row a round writes.
  const [from, to, end] = [place.window.from, place.window.to, place.passEnd].map(pageTid);
  return sql`SELECT count(*)::bigint AS updated,
       COALESCE(array_agg(u.address::text) FILTER (WHERE (u.address < ${from}::tid OR u.address >= ${to}::tid) AND u.address < ${end}::tid), '{}') AS moved
  FROM u`;
}

/**
 * The column every judge statement ends with, over its judged rows `s`: the rows to write (where
 * `writes` holds) in physical order, as one text — a row per comma, its fields per space: id,
 * version, the direction's own `values`, then page (uuids and integers: neither separator can
 * occur in them). A row's fields are a round's (roundRowsSql) in the round's order, with the page
 * last, which the round does not read: the client keeps each row's text as it came and reads
 * only its page. The driver parses an array element by element; the client splits one text
 * several times faster, and splitting each row into fields and joining them again for the round
 * cost more than the rest of the process's work on a row (`npx tsx bench/judge-parse.ts`
 * measures all three).
 */
export function judgedRowsSql(writes: Sql, values: readonly Sql[]): Sql {
  const fields = [
    sql`s.id::text`,
    sql`s.row_version::text`,
    ...values.map((v) => sql`(${v})::text`),
    sql`((s.row_address::text)::point)[0]::bigint::text`,
  ];
  const line = join(fields, " || ' ' || ");
  return sql`COALESCE(string_agg(${line}, ',') FILTER (WHERE ${writes}), '') AS judged`;
}

/** A value a round's row carries after its key and version: the column it is read as, and its type. */
export interface RoundValue {
  name: string;
  type: 'bigint';
}

/**
 * The rows a round writes, as the relation `v(id, row_version, …values)`: one text parameter, the
 * judge's rows as it gave them (judgedRowsSql) — a row per comma, its fields per space; the
 * page, last, is not read. As four parallel arrays of a round's ~2,000 rows, the driver
 * escaped every element and the server parsed four array literals: 6.1–6.6 ms a round against
 * 2.5–3.4 ms as one text, client and server together (`npx tsx bench/round-params.ts`, two runs).
 * `string_to_table` is PostgreSQL 14's, as the page walk is. NULLIF: an empty text is no row,
 * not one empty one.
 */
export function roundRowsSql(rows: readonly JudgedRow[], values: readonly RoundValue[]): Sql {
  const text = rows.map((r) => r.line).join(',');
  const field = (n: number, type: string, name: string) =>
    sql`split_part(r, ' ', ${unsafeRaw(String(n))})::${unsafeRaw(type)} AS ${identifier(name)}`;
  const fields = [field(1, 'uuid', 'id'), field(2, 'xid', 'row_version'), ...values.map((v, i) => field(3 + i, v.type, v.name))];
  return sql`SELECT ${join(fields, ', ')}
    FROM string_to_table(NULLIF(${text}, ''), ',') AS r`;
}

/**
 * A finished window's pages read once more (src/backfill/run/page-walk.ts, closeWindow says why):
 * a TID range scan that only counts.
 */
export function windowReadStatement(usages: string, span: PageSpan): Sql {
  return sql`SELECT count(*) FROM ${quoted(usages)} AS t WHERE ${spanCondition(span)}`;
}

/** What a judge statement's one row says. */
export interface Judgement {
  scanned: number;
  applicationWritten: number;
  existed: number;
  anomalies: Record<string, number>;
  rows: JudgedRow[];
}

/** Reads a judge statement's row (`valueCount`: the values each judged row carries). */
export function readJudgement(row: Record<string, unknown>, valueCount: number): Judgement {
  return {
    scanned: Number(row.scanned),
    applicationWritten: Number(row.app_written),
    existed: Number(row.existed),
    anomalies: countsOf(row.anomalies),
    rows: judgedRows(row.judged as string, valueCount),
  };
}

/**
 * The rows of a judge's `judged` text (judgedRowsSql): each row's text as it came, and its page.
 * The server writes every row alike, so only the first row's fields are counted: a text with
 * another number of fields (a statement built for the other direction) is refused, never
 * written with shifted values, and so is a row whose last field is not a page number.
 */
export function judgedRows(judged: string, valueCount: number): JudgedRow[] {
  if (judged === '') return [];
  const rows = judged.split(',').map((line) => {
    const page = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isSafeInteger(page) || page < 0) throw new Error(`a judged row does not end with a page: ${line}`);
    return { page, line };
  });
  const fields = rows[0]!.line.split(' ').length;
  if (fields !== 3 + valueCount) throw new Error(`a judged row has ${fields} fields, not ${3 + valueCount}: ${rows[0]!.line}`);
  return rows;
}
