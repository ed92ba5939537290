/**
 * Per-session totals from the failing rows, chunk by chunk. Pure.
 *
 * A session's difference (columns − application-written − rule) is the sum of its rows'
 * differences, and only a pending or conflict row has one (parity-class.ts). So the sessions
 * that can differ are the sessions holding a failing row, and their differences are sums over
 * those rows alone: the chunks that hold failing rows are summed per session and merged here.
 * The merge holds one entry per such session; past `limit` sessions it gives up (the report
 * then says the sessions were not summed: with that many failing rows, row parity already
 * says what is wrong).
 */
import type { DbRow } from '../db/row.js';

export interface SessionDiff {
  /** null: usage rows whose interception does not exist. */
  session: string | null;
  /** Failing rows of the session. */
  rows: number;
  diffRead: bigint;
  diffWrite: bigint;
}

/** Sessions held in memory at most, by default (about a hundred bytes each). */
export const SESSION_LIMIT = 500_000;

export class SessionDiffs {
  private readonly bySession = new Map<string | null, SessionDiff>();
  private overflowed = false;

  constructor(private readonly limit: number = SESSION_LIMIT) {}

  /** Adds one chunk's sums (rows of sessionDiffStatement); false once past the limit. */
  add(rows: readonly DbRow[]): boolean {
    if (this.overflowed) return false;
    for (const row of rows) {
      const session: string | null = row.session ?? null;
      const entry = this.bySession.get(session);
      const read = BigInt(String(row.diff_read ?? '0'));
      const write = BigInt(String(row.diff_write ?? '0'));
      if (entry) {
        entry.rows += Number(row.rows);
        entry.diffRead += read;
        entry.diffWrite += write;
      } else {
        this.bySession.set(session, { session, rows: Number(row.rows), diffRead: read, diffWrite: write });
      }
    }
    if (this.bySession.size > this.limit) {
      this.overflowed = true;
      this.bySession.clear();
    }
    return !this.overflowed;
  }

  get complete(): boolean {
    return !this.overflowed;
  }

  /**
   * How many sessions hold failing rows, how many of them differ, and the `top` with the
   * largest difference (|read| + |write|), ties by session key (null first). When some differ,
   * only those are listed: an agreeing session in the list says nothing.
   */
  summary(top: number): { withFailingRows: number; differing: number; top: SessionDiff[] } {
    const all = [...this.bySession.values()];
    const differing = all.filter((s) => s.diffRead !== 0n || s.diffWrite !== 0n);
    const abs = (v: bigint) => (v < 0n ? -v : v);
    const magnitude = (s: SessionDiff) => abs(s.diffRead) + abs(s.diffWrite);
    const listed = (differing.length > 0 ? differing : all).sort((a, b) => {
      const m = magnitude(b) - magnitude(a);
      if (m !== 0n) return m > 0n ? 1 : -1;
      if (a.session === b.session) return 0;
      if (a.session === null) return -1;
      if (b.session === null) return 1;
      return a.session < b.session ? -1 : 1;
    });
    return { withFailingRows: all.length, differing: differing.length, top: listed.slice(0, top) };
  }
}
