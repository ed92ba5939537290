/** A stretch of a table's heap, pages [from, to): what one TID range scan reads (PostgreSQL 14 and newer). */
export interface PageSpan {
  from: number;
  to: number;
}
