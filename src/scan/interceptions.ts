/**
 * Joining a chunk of token-usage rows to their interceptions (provider, model, session)
 * without paying for the whole interceptions table in every chunk. Pure, but for the SQL text,
 * which is built from quoted names and $n parameters.
 */
import type { PageSpan } from '../db/page-span.js';
import { join, quoted, sql, unsafeRaw, type Sql } from '../db/sql.js';

/** Where one chunk's rows found their interceptions: page numbers, as moments. */
export interface InterceptionSpread {
  /** The usage pages the chunk covered. */
  from: number;
  to: number;
  /** Rows that found an interception, and the sum and sum of squares of its page number. */
  rows: number;
  sum: number;
  squares: number;
}

/** The window is never narrower than this: a chunk's interceptions may bunch on a few pages. */
const MIN_WINDOW_PAGES = 16;
/**
 * Nor wider than this many times the interception pages a chunk of its size holds on average:
 * rows whose interceptions lie all over the table (rows an update moved to the table's end, a
 * table rewritten in another order) make a window as wide as the table, whose hash table would
 * cost what the whole-table join costs, in every chunk. Looking every row up by index then
 * costs less, and in proportion to the chunk.
 */
const MAX_WINDOW_FACTOR = 4;
/** Half-width of the window in standard deviations of the last chunk's interception pages. */
const SPREAD_SDS = 2.5;

/**
 * The interception pages most rows of usage pages [from, to) will find their interceptions on,
 * predicted from the chunk just before (`last`, same walk) and the one before it (`previous`):
 * interception pages advance with usage pages at the slope between the two chunks' centres, or
 * in the ratio of the tables' sizes until two chunks have shown it. Null when there is nothing
 * to go on, no interception page, or a spread too wide to pay (MAX_WINDOW_FACTOR): then every
 * row is looked up by index.
 */
export function predictWindow(
  next: { from: number; to: number },
  spreads: { last: InterceptionSpread | null; previous: InterceptionSpread | null },
  pages: { usages: number; interceptions: number },
): PageSpan | null {
  const { last, previous } = spreads;
  if (pages.interceptions <= 0) return null;
  const ratio = pages.usages > 0 ? pages.interceptions / pages.usages : 0;
  if (!last || last.rows === 0) {
    // No chunk has shown where the interceptions are: the same share of each table.
    const from = Math.floor(next.from * ratio);
    const to = Math.ceil(next.to * ratio);
    return clampRange({ from: from - MIN_WINDOW_PAGES, to: to + MIN_WINDOW_PAGES }, pages.interceptions);
  }
  const centre = (s: InterceptionSpread) => s.sum / s.rows;
  const middle = (w: { from: number; to: number }) => (w.from + w.to) / 2;
  let slope = ratio;
  if (previous && previous.rows > 0 && middle(last) !== middle(previous)) {
    // A negative slope (rows moved by updates, say) says nothing about the next chunk.
    slope = Math.max(0, (centre(last) - centre(previous)) / (middle(last) - middle(previous)));
  }
  const variance = Math.max(0, last.squares / last.rows - centre(last) ** 2);
  const lastPages = Math.max(1, last.to - last.from);
  // The spread grows with the chunk: scale it from the last chunk's size to the next's.
  const halfWidth = SPREAD_SDS * Math.sqrt(variance) * ((next.to - next.from) / lastPages);
  const predicted = centre(last) + slope * (middle(next) - middle(last));
  const width = 2 * halfWidth + MIN_WINDOW_PAGES;
  if (width > MAX_WINDOW_FACTOR * ratio * (next.to - next.from) + MIN_WINDOW_PAGES) return null;
  return clampRange({ from: Math.floor(predicted - width / 2), to: Math.ceil(predicted + width / 2) }, pages.interceptions);
}

/** The range moved (not cut) into [0, end): a prediction past either end still covers the pages nearest it. */
function clampRange(range: PageSpan, end: number): PageSpan | null {
  const width = Math.min(end, range.to - range.from);
  if (width <= 0) return null;
  const from = Math.max(0, Math.min(end - width, range.from));
  return { from, to: from + width };
}

export interface InterceptionJoin {
  /** The join clauses, to follow `FROM <usages chunk> AS <row alias>`. */
  sql: Sql;
  /** An SQL expression per requested column, over the joined interception (NULL without one). */
  columns: Record<string, Sql>;
  /** true when the row's interception exists. */
  found: Sql;
  /** The interception's heap page as float8 (NULL without one), for the next window. */
  page: Sql;
}

/** A column wanted from the interception: its SQL over the interception's alias. */
export type InterceptionColumn = (alias: Sql) => Sql;

/**
 * Joins `rows.interception_id` to `interceptions` for the `wanted` columns. With a window: a hash join of those interception
 * pages, then an index lookup only for rows whose interception was not in them — a LATERAL
 * subquery fenced with OFFSET 0, so PostgreSQL keeps it a per-row lookup and skips it (a
 * one-time filter) for rows already found. Without a window: an index lookup per row (the
 * caller turns hash and merge joins off for the chunk).
 *
 * Why a window: a hash join reads every interception to build its hash table, in every chunk —
 * a cost that grows with the table, not with the chunk. An index lookup per row costs in
 * proportion to the chunk, but an index descent per row is dearer than the rule itself. Both
 * tables are written in time order, though (an interception when the request starts, its
 * usage rows while the response streams), so the interceptions of a stretch of usage pages
 * lie mostly in one stretch of interception pages, which a TID range scan reads as cheaply as
 * the chunk. The window only decides the cost, never the result: every row finds its
 * interception, inside the window or through the index. Each chunk reports where its rows'
 * interceptions lay (count, sum and sum of squares of their page numbers), and predictWindow()
 * places the next chunk's window from that.
 */
export function interceptionJoin(
  interceptions: string,
  rows: Sql,
  wanted: Record<string, InterceptionColumn>,
  window: PageSpan | null,
): InterceptionJoin {
  const table = quoted(interceptions);
  // The names are this code's own keys (provider, model, session).
  const name = (key: string) => unsafeRaw(key);
  const over = (alias: Sql) =>
    join(
      Object.entries(wanted).map(([key, column]) => sql`${column(alias)} AS ${name(key)}`),
      ', ',
    );
  if (window === null) {
    return {
      sql: sql`LEFT JOIN ${table} AS i ON i.id = ${rows}.interception_id`,
      columns: Object.fromEntries(Object.entries(wanted).map(([key, column]) => [key, column(sql`i`)])),
      found: sql`(i.id IS NOT NULL)`,
      page: sql`(i.ctid::text::point)[0]`,
    };
  }
  const near = sql`(SELECT n.id, n.ctid, ${over(sql`n`)} FROM ${table} AS n WHERE n.ctid >= ${`(${window.from},0)`}::tid AND n.ctid < ${`(${window.to},0)`}::tid)`;
  const far = sql`(SELECT f.ctid, ${over(sql`f`)} FROM ${table} AS f WHERE n.id IS NULL AND f.id = ${rows}.interception_id OFFSET 0)`;
  return {
    sql: sql`LEFT JOIN ${near} AS n ON n.id = ${rows}.interception_id\n    LEFT JOIN LATERAL ${far} AS f ON true`,
    columns: Object.fromEntries(Object.keys(wanted).map((key) => [key, sql`COALESCE(n.${name(key)}, f.${name(key)})`])),
    found: sql`(n.id IS NOT NULL OR f.ctid IS NOT NULL)`,
    page: sql`(COALESCE(n.ctid, f.ctid)::text::point)[0]`,
  };
}

/**
 * The interception windows of one walk over the usage pages: each chunk's window is predicted
 * from the two chunks nearest before it that have reported where their interceptions lay.
 * Chunks finish in any order when several sessions walk; a report from a chunk behind the
 * latest one known is used only if it is nearer the next chunk than what is known.
 */
export class InterceptionSteering {
  private last: InterceptionSpread | null = null;
  private previous: InterceptionSpread | null = null;

  constructor(private readonly pages: { usages: number; interceptions: number }) {}

  windowFor(next: { from: number; to: number }): PageSpan | null {
    return predictWindow(next, { last: this.last, previous: this.previous }, this.pages);
  }

  observe(spread: InterceptionSpread): void {
    if (spread.rows === 0) return;
    if (this.last && spread.from <= this.last.from) {
      if (!this.previous || spread.from > this.previous.from) this.previous = spread;
      return;
    }
    this.previous = this.last;
    this.last = spread;
  }
}
